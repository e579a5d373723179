// The value of a scaled code, asked for in the coding box each time the code is applied: one
// key per level (its number, and a letter of its name, underlined on its button) and an
// explicit "no value" (0), so that Enter or a digit never stores an empty value unasked.

import { el } from "../lib/dom.js";

export const NO_VALUE = "";
const NO_VALUE_LABEL = "no value";
const LETTER = /\p{L}/u;

/** True for a code with a scale (present/absent, or ordinal levels): applying it asks its value. */
export function hasScale(code) {
  return Boolean(code && code.levels && code.levels.length);
}

/** The choices for `levels`, each {value, label, digit, letter, at}: the levels numbered 1–9,
 *  then "no value" as 0; `letter` is the first letter of the label that no choice before it
 *  took (`at` its index in the label), or null. */
export function valueChoices(levels) {
  const taken = new Set();
  const choices = [...levels.map((level, i) => ({ value: level, label: level, digit: i < 9 ? String(i + 1) : null })),
    { value: NO_VALUE, label: NO_VALUE_LABEL, digit: "0" }];
  for (const choice of choices) {
    const chars = [...choice.label];
    const at = chars.findIndex((c) => LETTER.test(c) && !taken.has(c.toLowerCase()));
    choice.at = at;
    choice.letter = at >= 0 ? chars[at].toLowerCase() : null;
    if (choice.letter) taken.add(choice.letter);
  }
  return choices;
}

/** The choice a key stands for (a digit or a letter, as event.key), or undefined. */
export function choiceForKey(choices, key) {
  const k = key.length === 1 || [...key].length === 1 ? key.toLowerCase() : null;
  if (!k) return undefined;
  return choices.find((c) => c.digit === k) || choices.find((c) => c.letter === k);
}

/** One button per choice: "1 low", its letter underlined, the keys in aria-keyshortcuts. */
export function choiceButton(choice, chosen) {
  const chars = [...choice.label];
  const name = choice.at >= 0
    ? [chars.slice(0, choice.at).join(""), el("u", {}, chars[choice.at]), chars.slice(choice.at + 1).join("")]
    : [choice.label];
  const keys = [choice.digit, choice.letter].filter(Boolean);
  const button = el("button", {
    type: "button", className: `pop-level${choice.value === NO_VALUE ? " none" : ""}`, tabIndex: -1,
    "aria-pressed": String(chosen), "aria-keyshortcuts": keys.join(" "),
  }, ...(choice.digit ? [el("kbd", {}, choice.digit)] : []), el("span", {}, ...name));
  button.dataset.value = choice.value;
  return button;
}
