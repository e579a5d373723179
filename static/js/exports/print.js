// The appendix print view: the button opens the browser's print dialog (print or save as PDF).
for (const button of document.querySelectorAll("[data-print]")) {
  button.addEventListener("click", () => window.print());
}
