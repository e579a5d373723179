"""Every main page of the demo study, in a real browser, for a researcher and for a supervisor:
each has a <title> of its own, exactly one <h1>, no console errors, a label on every visible
form field (label[for], a wrapping label, aria-label or aria-labelledby), a name on every
visible button and link, text in WCAG AA contrast (4.5:1, large text 3:1), a focus order that
starts at "Skip to content" with no positive tabindex, and the `?` shortcut list; and axe-core
(through axe-playwright-python) finds no violation of serious or critical impact, while each
lesser one it finds must be listed in KNOWN_AXE with the reason it is accepted. The sign-in
page is audited too, before signing in.

Problems are collected over all pages and reported together, page by page and element by
element, so that one run says everything that is left to fix.
"""
from __future__ import annotations

import io

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command

from apps.demo.loader import DEMO_PASSWORD, DEMO_SLUG
from apps.comparison.models import Factor
from apps.cases.models import Case
from apps.transcripts.models import Transcript

pytestmark = pytest.mark.browser

# Text below WCAG AA contrast that is known and accepted, with the reason; the check
# fails on anything else.
KNOWN_LOW_CONTRAST: dict[str, str] = {}  # selector -> why it is accepted; none at present

# axe-core rules whose minor or moderate findings are accepted, with the reason (rule id ->
# why); a serious or critical finding fails whatever its rule.
KNOWN_AXE: dict[str, str] = {}
AXE = Axe()

# Runs in the page: the visible form fields without a label, the visible buttons and links
# without a name, and text in too little contrast, each as a short description of the element.
AUDIT = """(known) => {
  const visible = (e) => !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length)
                         && getComputedStyle(e).visibility !== 'hidden';
  const describe = (e) => e.outerHTML.replace(/\\s+/g, ' ').slice(0, 140);
  const referenced = (e) => (e.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean)
                               .some((id) => (document.getElementById(id)?.textContent || '').trim());
  const labelled = (e) => {
    if ((e.getAttribute('aria-label') || '').trim() || referenced(e)) return true;
    if (e.id && [...document.querySelectorAll('label')].some((l) => l.htmlFor === e.id && l.textContent.trim())) {
      return true;
    }
    const wrapping = e.closest('label');
    return !!(wrapping && wrapping.textContent.trim());
  };
  const fields = [...document.querySelectorAll('input, select, textarea')].filter((e) =>
    !['hidden', 'submit', 'button', 'reset', 'image'].includes(e.type) && visible(e));
  const named = (e) => (e.textContent || '').trim() || (e.getAttribute('aria-label') || '').trim()
                       || referenced(e) || (e.getAttribute('title') || '').trim()
                       || [...e.querySelectorAll('img[alt]')].some((i) => i.alt.trim());
  const parse = (c) => {
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const over = (top, bottom) => ({r: top.r * top.a + bottom.r * (1 - top.a), g: top.g * top.a + bottom.g * (1 - top.a),
                                  b: top.b * top.a + bottom.b * (1 - top.a), a: 1});
  const luminance = ({r, g, b}) => [r, g, b].map((v) => {
    v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
  }).reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  const backdrop = (el) => {  // the colour behind el: its own and its ancestors' backgrounds, over white
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
    }
    return layers.reverse().reduce((below, c) => over(c, below), {r: 255, g: 255, b: 255, a: 1});
  };
  const lowContrast = [];
  const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (!walker.currentNode.textContent.trim() || seen.has(el)) continue;
    seen.add(el);
    if (!visible(el) || el.closest('svg, [hidden], dialog:not([open])') || known.some((s) => el.matches(s))) continue;
    const style = getComputedStyle(el);
    if (Number(style.opacity) === 0) continue;
    const bg = backdrop(el), fg = over(parse(style.color), bg);
    const [dark, light] = [luminance(fg), luminance(bg)].sort((x, y) => x - y);
    const ratio = (light + 0.05) / (dark + 0.05);
    const size = parseFloat(style.fontSize), large = size >= 24 || (Number(style.fontWeight) >= 700 && size >= 18.66);
    if (ratio < (large ? 3 : 4.5) - 0.01) {
      lowContrast.push(`${ratio.toFixed(2)}:1 ${describe(el).slice(0, 100)} (${style.color} on ` +
                       `rgb(${[bg.r, bg.g, bg.b].map(Math.round).join(', ')}))`);
    }
  }
  return {
    lowContrast,
    positiveTabindex: [...document.querySelectorAll('[tabindex]')].filter((e) => e.tabIndex > 0).map(describe),
    // With no positive tabindex, the Tab order is the document order of the focusable elements.
    firstTabStop: (() => {
      const first = [...document.querySelectorAll('a[href], button, input, select, textarea, [tabindex]')]
        .find((e) => e.tabIndex >= 0 && !e.disabled && e.type !== 'hidden');
      return first ? (first.className || first.outerHTML.slice(0, 60)) : null;
    })(),
    h1: document.querySelectorAll('h1').length,
    lang: document.documentElement.lang,
    main: document.querySelectorAll('main').length,
    unlabelled: fields.filter((e) => !labelled(e)).map(describe),
    nameless: [...document.querySelectorAll('button, a[href]')].filter((e) => visible(e) && !named(e)).map(describe),
    imagesWithoutAlt: [...document.querySelectorAll('img:not([alt])')].map(describe),
  };
}"""


def demo_pages(researcher: bool) -> list[str]:
    """The main pages of the demo, as paths."""
    project = f"/projects/{DEMO_SLUG}"
    e1 = Transcript.objects.get(project__slug=DEMO_SLUG, expert__pseudonym="E1")
    factor = Factor.objects.filter(project__slug=DEMO_SLUG, code__isnull=False).order_by("position").first()
    kazakhstan = Case.objects.get(project__slug=DEMO_SLUG, name="Kazakhstan 2022")
    pages = [
        "/projects/", f"{project}/",
        f"{project}/transcripts/{e1.pk}/", f"{project}/transcripts/{e1.pk}/speakers/",
        f"{project}/transcripts/{e1.pk}/recording/",
        f"{project}/cases/", f"{project}/segments/", f"{project}/segments/trash/",
        f"{project}/analysis/frequencies/", f"{project}/analysis/matrix/", f"{project}/analysis/co-occurrence/",
        f"{project}/analysis/matrix/excerpts/?code={factor.code_id}&column={kazakhstan.pk}",
        f"{project}/review/", f"{project}/agreement/", f"{project}/agreement/disagreements/",
        f"{project}/agreement/engine/",
        f"{project}/comparison/", f"{project}/comparison/judgments/",
        f"{project}/comparison/judgments/{factor.pk}/{kazakhstan.pk}/",
        f"{project}/comparison/mssd/", f"{project}/comparison/qca/", f"{project}/comparison/agreement/",
        f"{project}/comparison/sets/", f"{project}/comparison/calibration/{factor.pk}/",
        f"{project}/comparison/calibration/outcome/",
        f"{project}/exports/", f"{project}/exports/appendix/?format=html", f"{project}/members/",
        f"{project}/history/", f"{project}/search/?q=%22Kant+air+base%22",
        "/import/qdpx/", "/help/",
    ]
    if researcher:
        pages += [f"{project}/transcripts/import/", f"{project}/transcripts/{e1.pk}/edit/"]
    return pages


def audit(page, where: str, errors: list[str]) -> list[str]:
    """The problems of the page open in `page` (console errors were collected in `errors`)."""
    problems = []
    title = page.title()
    if not title.endswith(" · Casecoder") or title.removesuffix(" · Casecoder").strip() in ("", "Casecoder"):
        problems.append(f"{where}: the title {title!r} does not name the page")
    found = page.evaluate(AUDIT, list(KNOWN_LOW_CONTRAST))
    if found["h1"] != 1:
        problems.append(f"{where}: {found['h1']} <h1> elements (one wanted)")
    if found["lang"] != "en" or found["main"] != 1:
        problems.append(f"{where}: lang={found['lang']!r}, {found['main']} <main>")
    problems += [f"{where}: form field without a label: {e}" for e in found["unlabelled"]]
    problems += [f"{where}: button or link without a name: {e}" for e in found["nameless"]]
    problems += [f"{where}: image without alt: {e}" for e in found["imagesWithoutAlt"]]
    problems += [f"{where}: text in too little contrast, {e}" for e in found["lowContrast"]]
    problems += [f"{where}: positive tabindex breaks the focus order: {e}" for e in found["positiveTabindex"]]
    if found["firstTabStop"] != "skip-link":
        problems.append(f"{where}: the first stop of the Tab order is {found['firstTabStop']!r}, "
                        "not 'Skip to content'")

    # The shortcut list opens with `?` on every page and closes with Esc.
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.keyboard.press("?")
    dialog = page.locator("dialog[data-shortcuts]")
    try:
        dialog.wait_for(state="visible", timeout=2_000)
        page.keyboard.press("Escape")
        dialog.wait_for(state="hidden", timeout=2_000)
    except Exception as error:  # noqa: BLE001 - reported with the page, like every other problem
        problems.append(f"{where}: the shortcut list does not open with ? and close with Esc ({error})")
    return problems + axe_problems(page, where) + [f"{where}: console error: {e}" for e in errors]


def axe_problems(page, where: str) -> list[str]:
    """What axe-core finds on the page that is serious, critical or not known and accepted."""
    problems = []
    for violation in AXE.run(page).response["violations"]:
        if violation["impact"] in ("serious", "critical") or violation["id"] not in KNOWN_AXE:
            targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:3])
            problems.append(f"{where}: axe-core {violation['id']} ({violation['impact']}): {violation['help']}; "
                            f"{len(violation['nodes'])} element(s), e.g. {targets}")
    return problems


def audit_pages(browser, live_server, username: str, pages: list[str]) -> list[str]:
    """Signs in through the sign-in page (audited too) and audits each page."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/accounts/login/")
    problems = audit(page, "anonymous /accounts/login/", errors)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")

    for path in pages:
        errors.clear()
        response = page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        if response.status != 200:
            problems.append(f"{username} {path}: status {response.status}")
            continue
        problems += audit(page, f"{username} {path}", errors)
    context.close()
    return problems


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", stdout=io.StringIO())


def test_every_main_page_is_titled_labelled_and_quiet_for_the_researcher(browser, live_server, demo):
    problems = audit_pages(browser, live_server, "researcher", demo_pages(researcher=True))
    assert problems == [], "\n".join(problems)


def test_every_main_page_is_titled_labelled_and_quiet_for_the_supervisor(browser, live_server, demo):
    problems = audit_pages(browser, live_server, "supervisor", demo_pages(researcher=False))
    assert problems == [], "\n".join(problems)
