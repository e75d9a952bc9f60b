// What every page is checked for, in each language: no words of the other
// language and no internal code instead of words (item text outside
// [translate=no], which marks data: names, addresses, numbers a person typed);
// no sideways scrolling at the page's width; and axe-core finding no
// critical or serious violation.
import { readFileSync } from "node:fs";

const axeSource = readFileSync(new URL("./node_modules/axe-core/axe.min.js", import.meta.url), "utf8");

// Latin words a Chinese page may show: names of things, units and abbreviations.
const LATIN_OK = new Set(["Kassa", "CSV", "API", "PIN", "POS", "SMS", "ID", "KCV", "TID", "MCC", "OpenAPI", "JSON", "SLA", "HTTP", "URL", "IC", "TOML"]);

export async function audit(page, lang, wide) {
  const problems = [];
  const found = await page.evaluate(({ lang }) => {
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const el = node.parentElement;
      if (!el || el.closest("[translate=no], script, style, code, pre, textarea, option[value='']")) { continue; }
      const style = getComputedStyle(el);
      if (style.display === "none" || style.visibility === "hidden") { continue; }
      const text = node.textContent.trim();
      if (text) { out.push(text); }
    }
    // Attributes a person reads too.
    for (const el of document.querySelectorAll("[placeholder], [title], [aria-label], input[type=submit][value]")) {
      if (el.closest("[translate=no]")) { continue; }
      for (const a of ["placeholder", "title", "aria-label"]) {
        if (el.getAttribute(a)) { out.push(el.getAttribute(a)); }
      }
    }
    return out;
  }, { lang });
  for (const text of found) {
    const codes = text.match(/\b[a-z]+(?:_[a-z0-9]+)+\b/g);
    if (codes) { problems.push(`internal code ${JSON.stringify(codes[0])} in ${JSON.stringify(text.slice(0, 80))}`); }
    if (/\bfen\b/i.test(text)) { problems.push(`"fen" in ${JSON.stringify(text.slice(0, 80))}`); }
    if (lang === "zh") {
      const words = (text.match(/[A-Za-z][A-Za-z'-]{2,}/g) || []).filter((w) => !LATIN_OK.has(w));
      if (words.length) { problems.push(`English ${JSON.stringify(words[0])} in ${JSON.stringify(text.slice(0, 80))}`); }
    } else if (/[\u3400-\u9fff]/.test(text) && !/^(中文)$/.test(text)) {
      problems.push(`Chinese in ${JSON.stringify(text.slice(0, 80))}`);
    }
  }
  if (!wide) {
    const overflow = await page.evaluate(() => {
      const out = [];
      const doc = document.documentElement;
      if (doc.scrollWidth > window.innerWidth + 1) { out.push(`the page is ${doc.scrollWidth} px wide in ${window.innerWidth}`); }
      for (const el of document.querySelectorAll("main *")) {
        if (el.clientWidth > 1 && el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== "visible") {
          out.push(`${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}.${el.className} scrolls: ${el.scrollWidth} px in ${el.clientWidth}`);
        }
      }
      return out;
    });
    problems.push(...overflow);
  }
  await page.evaluate(axeSource);
  const axe = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.filter((v) => v.impact === "critical" || v.impact === "serious")
      .map((v) => `axe ${v.impact} ${v.id}: ${v.help} (${v.nodes.slice(0, 2).map((n) => n.target.join(" ")).join(", ")})`);
  });
  problems.push(...axe);
  return [...new Set(problems)];
}
