// Kassa's journeys in a real browser: Debian's chromium, driven by playwright-core,
// against a fresh `kassa demo`. Each journey ends with a screenshot in target/browser/.
//
//   node tests/browser/journeys.mjs            (after `cargo build -p kassa`)
//
// KASSA_BIN picks the binary (default target/debug/kassa).
import { chromium } from "playwright-core";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import assert from "node:assert/strict";
import { audit } from "./audit.mjs";

const root = new URL("../..", import.meta.url).pathname;
const kassa = process.env.KASSA_BIN || join(root, "target/debug/kassa");
const shots = join(root, "target/browser");
mkdirSync(shots, { recursive: true });
const dir = mkdtempSync(join(tmpdir(), "kassa-browser-"));
const port = 21000 + Math.floor(Math.random() * 20000);
const base = `http://127.0.0.1:${port + 2}`;
const STEP_MS = 15000;

const demo = spawn(kassa, ["demo", "--data-dir", dir, "--port", String(port)], { stdio: ["ignore", "pipe", "pipe"] });
let demoOut = "";
demo.stdout.on("data", (d) => { demoOut += d; });
demo.stderr.on("data", (d) => { demoOut += d; });
const stop = () => { try { demo.kill("SIGINT"); } catch { /* gone */ } };
process.on("exit", stop);

async function until(what, check, ms = 20000) {
  const end = Date.now() + ms;
  for (;;) {
    try { if (await check()) { return; } } catch { /* not yet */ }
    if (Date.now() > end) { throw new Error(`timed out waiting for ${what}\n${demoOut}`); }
    await new Promise((r) => setTimeout(r, 200));
  }
}
await until("kassa demo", async () => (await fetch(`${base}/login`)).ok, 60000);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
});
const phone = { viewport: { width: 390, height: 844 }, locale: "zh-CN", isMobile: true, hasTouch: true };
const desk = { viewport: { width: 1280, height: 860 }, locale: "en-US" };
const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(300, 7)]);
const file = (name) => ({ name: `${name}.png`, mimeType: "image/png", buffer: png });

async function newPage(options) {
  const context = await browser.newContext(options);
  context.setDefaultTimeout(STEP_MS);
  return context.newPage();
}

async function shot(page, name) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

// Operations staff, one page each, logged in once.
async function staff(name) {
  const page = await newPage(desk);
  await page.goto(`${base}/console/login`);
  await page.fill("input[name=username]", name);
  await page.fill("input[name=password]", "kassa-demo-1");
  await page.click("button[type=submit]");
  await page.waitForURL(`${base}/console`);
  return page;
}
const ops = await staff("ops");
const risk = await staff("risk");
// Staff see the outbox's codes masked; in the demo an admin may show them (audited).
const codes = await staff("admin");

// The newest code sent to `number`, read from the console's SMS outbox.
async function codeFor(number, digits = 6) {
  let code = "";
  await until(`an SMS to ${number}`, async () => {
    await codes.goto(`${base}/console/sms?reveal=1`);
    const rows = await codes.locator("tr").allInnerTexts();
    const row = rows.find((r) => r.includes(number));
    const m = row && row.match(new RegExp(`is (\\d{${digits}})`));
    if (m) { code = m[1]; }
    return Boolean(m);
  });
  return code;
}
const pause = (ms) => new Promise((r) => setTimeout(r, ms));
const journeys = [];
async function journey(name, body) {
  const started = Date.now();
  try {
    await body();
    journeys.push(`ok    ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } catch (error) {
    journeys.push(`FAIL  ${name}: ${error.message.split("\n")[0]}`);
    console.error(error);
  }
}

const applicant = `139${String(Math.floor(Math.random() * 1e8)).padStart(8, "0")}`;
let m; // the new merchant's page

await journey("1 a merchant signs up, is approved in the console, and logs in", async () => {
  m = await newPage(phone);
  await m.goto(`${base}/signup`);
  await m.fill("input[name=phone]", applicant);
  await m.getByRole("button", { name: "获取验证码" }).click();
  await m.waitForSelector(".notice");
  await m.fill("input[name=code]", await codeFor(applicant));
  await m.fill("input[name=password]", "shop-pass-1");
  await m.fill("input[name=payment_password]", "135790");
  await m.getByRole("button", { name: "注册" }).click();
  await m.waitForURL(`${base}/apply`);
  await m.fill("input[name=legal_name]", "李四");
  await m.fill("input[name=id_number]", "110101199003070011");
  await m.fill("input[name=phone]", applicant);
  await m.fill("input[name=business_name]", "李四小吃");
  await m.fill("input[name=address]", "上海市黄浦区南京东路1号");
  await m.fill("input[name=mcc]", "5812");
  await m.fill("input[name=card_number]", "6228480402564890018");
  await m.fill("input[name=card_holder]", "李四");
  await m.getByRole("button", { name: "提交" }).click();
  await m.waitForSelector("#application-state");
  for (const kind of ["id_front", "id_back", "business_licence"]) {
    await m.setInputFiles(`#doc-${kind}`, file(kind));
    await m.waitForSelector(`#doc-${kind}-status.ok`);
  }
  await risk.goto(`${base}/console/applications`);
  const card = risk.locator(".card", { hasText: "李四小吃" });
  await card.getByText("duplicate_identity").waitFor();
  await card.getByRole("button", { name: "Approve" }).click();
  const notice = await risk.locator(".notice").innerText();
  const merchant = notice.match(/898\d{12}/)[0];
  await m.goto(`${base}/`);
  await m.locator("form[action='/logout'] button").click();
  await m.waitForURL(`${base}/login`);
  await m.fill("input[name=phone]", applicant);
  await m.fill("input[name=password]", "shop-pass-1");
  await m.getByRole("button", { name: "登录" }).click();
  await m.waitForURL(`${base}/`);
  assert.ok((await m.locator("header").innerText()).includes(merchant));
  await m.locator("#available").waitFor();
  await shot(m, "journey-1-merchant-home");
});

let d; // the demo merchant's page
await journey("2 bind a card, delete one with payment password then SMS code, change the settlement card", async () => {
  d = await newPage(phone);
  await d.goto(`${base}/login`);
  await d.fill("input[name=phone]", "13800138000");
  await d.fill("input[name=password]", "kassa-demo-1");
  await d.getByRole("button", { name: "登录" }).click();
  await d.waitForURL(`${base}/`);
  await d.goto(`${base}/cards`);
  await d.fill("input[name=card_number]", "6222021234567890128");
  await d.fill("input[name=holder]", "张三");
  await d.getByRole("button", { name: "获取验证码" }).click();
  await d.waitForSelector(".notice");
  await d.fill("input[name=code]", await codeFor("13800138000"));
  await d.getByRole("button", { name: "绑定银行卡" }).click();
  await d.locator("tr", { hasText: "0128" }).waitFor();
  await d.locator("tr", { hasText: "0128" }).getByRole("button", { name: "设为结算卡" }).click();
  await d.locator("tr", { hasText: "0128" }).getByText("结算卡").waitFor();
  await pause(5500); // one code per 5 s per phone on the demo
  await d.locator("tr", { hasText: "3446" }).getByRole("link", { name: "删除" }).click();
  await d.fill("input[name=payment_password]", "135790");
  await d.getByRole("button", { name: "下一步" }).click();
  await d.fill("input[name=code]", await codeFor("13800138000"));
  await d.getByRole("button", { name: "删除" }).click();
  await d.waitForURL(`${base}/cards`);
  assert.equal(await d.locator("tr", { hasText: "3446" }).count(), 0);
  assert.equal(await d.locator("tr", { hasText: "0128" }).count(), 1);
  await shot(d, "journey-2-cards");
});

await journey("3 transactions from the scripted terminal show in the portal; a receipt opens", async () => {
  const terminal = (...args) => execFileSync(kassa, ["terminal", "--demo", dir, ...args], { encoding: "utf8" });
  terminal("sign-in");
  assert.match(terminal("sale", "--amount", "9900", "--card", "1"), /00/);
  assert.match(terminal("sale", "--amount", "2550", "--card", "2", "--entry", "chip"), /00/);
  await d.goto(`${base}/transactions`);
  await d.locator("#transactions tr", { hasText: "¥99.00" }).waitFor();
  await d.locator("#transactions tr", { hasText: "¥99.00" }).getByRole("link").click();
  const receipt = await d.locator("#receipt").innerText();
  for (const item of ["898310048990001", "10000001", "¥99.00", "SALE", "AUTH CODE"]) {
    assert.ok(receipt.includes(item), `${item} on the receipt`);
  }
  assert.ok(!/\d{16,19}/.test(receipt), "no card number in clear");
  const csv = await d.request.get(`${base}/api/v1/merchant/transactions.csv?type=sale`);
  assert.equal(csv.status(), 200);
  assert.match(csv.headers()["content-type"], /text\/csv/);
  assert.match(await csv.text(), /,99\.00,/);
  await shot(d, "journey-3-receipt");
  // A transfer on the mobile reader: on the services page apart from the
  // takings, with its fee and total; its receipt says whom it paid.
  terminal("--mobile", "sign-in");
  assert.match(terminal("--mobile", "transfer", "--amount", "100000", "--to", "6222021234500000017", "--card", "1"), /00 approved/);
  await d.goto(`${base}/services`);
  const row = d.locator("#services tr", { hasText: "¥1000.00" });
  await row.waitFor();
  const text = await row.innerText();
  for (const item of ["¥2.00", "¥1002.00", "622202*********0017"]) { assert.ok(text.includes(item), `${item} in the service's row`); }
  await row.getByRole("link").click();
  const slip = await d.locator("#receipt").innerText();
  for (const item of ["TO CARD", "FEE", "TOTAL"]) { assert.ok(slip.includes(item), `${item} on the service's receipt`); }
  await ops.goto(`${base}/console/services`);
  await ops.locator("#services tr", { hasText: "¥1002.00" }).waitFor();
  await ops.goto(`${base}/console/services?state=stuck`);
  assert.equal(await ops.locator("#services tbody tr").count(), 0, "nothing stuck");
});

await journey("4 cancellation: unmet preconditions, fixed, submitted, approved, cooling-off shown", async () => {
  await m.goto(`${base}/cancellation`);
  assert.ok(await m.locator("li.bad[data-item=authorization_letter]").count() === 1);
  await shot(m, "journey-4-checklist-unmet");
  for (const kind of ["id_front", "id_back", "bank_proof", "authorization_letter"]) {
    await m.setInputFiles(`#doc-${kind}`, file(kind));
    await m.waitForSelector(`li.ok[data-item$=${kind === "authorization_letter" ? "authorization_letter" : kind}]`);
  }
  assert.equal(await m.locator("li.bad").count(), 0);
  await m.getByRole("button", { name: "获取验证码" }).click();
  await m.waitForSelector(".notice");
  await m.fill("input[name=code]", await codeFor(applicant));
  await m.getByRole("button", { name: "申请注销" }).click();
  await m.locator("#cancellation-status [data-state=submitted]").waitFor();
  await ops.goto(`${base}/console/cancellations`);
  const item = ops.locator(".card", { hasText: "Under review" }).first();
  await item.locator("input[name=note]").fill(`called ${applicant}; 李四 confirmed`);
  await item.getByRole("button", { name: "Record" }).click();
  await ops.locator(".card", { hasText: "李四 confirmed" }).getByRole("button", { name: "Approve" }).click();
  await ops.locator(".card", { hasText: "Cooling off" }).first().waitFor();
  await shot(ops, "journey-4-console-approved");
  await m.goto(`${base}/cancellation`);
  assert.equal(await m.locator("#days-left").innerText(), "15");
  await shot(m, "journey-4-cooling-off");
});

await journey("5 a wrong payment password, tried repeatedly, locks, and the page says so", async () => {
  await m.goto(`${base}/wallet`);
  for (let i = 1; i <= 5; i++) {
    await m.fill("input[name=amount]", "1.00");
    await m.fill("input[name=payment_password]", "246801");
    await m.getByRole("button", { name: "提现到结算卡" }).click();
    await m.locator(".error").waitFor();
  }
  const error = await m.locator(".error").innerText();
  assert.match(error, /锁定|locked/);
  await m.fill("input[name=amount]", "1.00");
  await m.fill("input[name=payment_password]", "135790");
  await m.getByRole("button", { name: "提现到结算卡" }).click();
  assert.match(await m.locator(".error").innerText(), /锁定|locked/);
  await shot(m, "journey-5-locked");
});

await journey("6 risk: a case opened in the console, an action proposed by one analyst and approved by another, closed", async () => {
  await risk.goto(`${base}/console/risk/cases`);
  await risk.fill("input[name=merchant_id]", "898310048990001");
  await risk.fill("input[name=title]", "tip-off: split sales");
  await risk.selectOption("select[name=priority]", "high");
  await risk.getByRole("button", { name: /新建案件|Open a case/ }).last().click();
  await risk.waitForURL(/\/console\/risk\/cases\/\d+$/);
  const casePath = new URL(risk.url()).pathname;
  await risk.click("#claim");
  await risk.waitForSelector("#case-summary");
  async function proposeAndApprove(action) {
    await risk.selectOption("#propose select[name=action]", action);
    await risk.fill("#propose input[name=text]", `analyst: ${action}`);
    await risk.locator("#propose button[type=submit]").click();
    await risk.waitForSelector("#proposal");
    assert.equal(await risk.locator("#approve-action").count(), 0, "the proposer cannot approve");
    const admin = await staff("admin");
    await admin.goto(`${base}${casePath}`);
    await admin.click("#approve-action");
    await admin.waitForSelector("#case-summary");
    assert.match(await admin.locator("h1").innerText(), /已处置|Actioned/);
    await admin.close();
    await risk.goto(`${base}${casePath}`);
  }
  await proposeAndApprove("hold_settlement");
  await risk.goto(`${base}/console/risk/merchants/898310048990001`);
  assert.match(await risk.locator("#risk-profile").innerText(), /结算已暂停|Settlement held/);
  await shot(risk, "console-risk-profile");
  await risk.goto(`${base}${casePath}`);
  await proposeAndApprove("release_settlement");
  await risk.selectOption("#close select[name=resolution]", "refuted");
  await risk.locator("#close button[type=submit]").click();
  await risk.waitForSelector("#case-history");
  assert.match(await risk.locator("h1").innerText(), /排除风险|Refuted/);
  assert.match(await risk.locator("#case-history").innerText(), /Approved/);
  await shot(risk, "console-risk-case");
  const download = await risk.request.get(`${base}${casePath}/evidence`);
  assert.equal(download.status(), 200);
  assert.match((await download.json()).bundle_sha256, /^[0-9a-f]{64}$/);
  // A ruleset version: drafted (from the running text), previewed, approved by another, activated.
  await risk.goto(`${base}/console/risk/rulesets`);
  await risk.fill("#draft input[name=note]", "the starter, stored");
  await risk.locator("#draft button[type=submit]").click();
  await risk.waitForURL(/\/console\/risk\/rulesets\/1$/);
  await risk.waitForSelector("#preview");
  assert.equal(await risk.locator("#approve-ruleset").count(), 0, "the author cannot approve");
  const admin = await staff("admin");
  await admin.goto(`${base}/console/risk/rulesets/1`);
  await admin.click("#approve-ruleset");
  await admin.waitForSelector("#activate-ruleset");
  await admin.click("#activate-ruleset");
  await admin.waitForSelector("#ruleset-state");
  assert.match(await admin.locator("#ruleset-state").innerText(), /正常|Active/);
  await shot(admin, "console-ruleset");
  await admin.close();
});

await journey("7 the shop: the catalogue in the portal, a till sale on the terminal, the analytics with their charts", async () => {
  const terminal = (...args) => execFileSync(kassa, ["terminal", "--demo", dir, ...args], { encoding: "utf8" });
  await d.goto(`${base}/lang/zh`);
  await d.goto(`${base}/catalogue`);
  assert.ok((await d.locator("#items tbody tr, #items tr").count()) > 20, "the demo's catalogue");
  // A department, then an item whose barcode's check digit is wrong, then right.
  await d.fill("#add-department input[name=name]", "文具");
  await d.click("#add-department button[type=submit]");
  await d.locator(".notice", { hasText: "文具" }).waitFor();
  const add = async (code) => {
    await d.fill("#add-item input[name=code]", code);
    await d.fill("#add-item input[name=name]", "笔记本");
    await d.fill("#add-item input[name=price]", "6.50");
    await d.selectOption("#add-item select[name=department]", "文具");
    await d.click("#add-item button[type=submit]");
  };
  await add("4006381333932");
  assert.match(await d.locator(".error").innerText(), /4006381333932/);
  await add("4006381333931");
  await d.locator(".notice", { hasText: "4006381333931" }).waitFor();
  // An import with bad rows imports nothing and lists each with its line.
  const bad = "code,name,price,department\n96385074,胶带,2.00,文具\n12345,橡皮,-1,文具\n96385075,胶水,3.00,无此品类\n";
  await d.fill("#import-csv", bad);
  await d.click("#import button[type=submit]");
  const errors = await d.locator("#import-errors tr").allInnerTexts();
  assert.ok(errors.some((r) => r.startsWith("3")) && errors.some((r) => r.startsWith("4")), errors.join(" | "));
  assert.equal(await d.locator("#items td", { hasText: "96385074" }).count(), 0, "nothing half-imported");
  await d.fill("#import-csv", "code,name,price,department\n96385074,胶带,2.00,文具\n");
  await d.click("#import button[type=submit]");
  await d.locator(".notice", { hasText: "1" }).waitFor();
  const csv = await d.request.get(`${base}/api/v1/merchant/till/items.csv`);
  assert.match(csv.headers()["content-type"], /text\/csv/);
  assert.match(await csv.text(), /4006381333931,笔记本,6\.50,文具/);
  // The till: two notebooks and a lunch box, a student, the credit card.
  terminal("sign-in");
  const sale = terminal("till", "--item", "4006381333931x2", "--item", "1003", "--segment", "6", "--card", "2");
  assert.match(sale, /basket recorded at the host/);
  // Retired: off the terminals' catalogue, kept for the baskets that sold it.
  await d.goto(`${base}/catalogue?q=4006381333931`);
  await d.click("#items button:has-text('下架')");
  await d.locator("#items tr.retired").waitFor();
  // The analytics: four charts, each beside its table, and today's sale in the days.
  for (const [page, lang, name] of [[d, "zh", "phone"], [ops, "en", "desk"]]) {
    if (page === ops) {
      // The analytics are the merchant's: a desk-sized page of the demo merchant's own.
      const desk = await newPage({ viewport: { width: 1280, height: 860 }, locale: "en-US" });
      await desk.goto(`${base}/login`);
      await desk.fill("input[name=phone]", "13800138000");
      await desk.fill("input[name=password]", "kassa-demo-1");
      await desk.click("button[type=submit]");
      await desk.waitForURL(`${base}/`);
      await desk.goto(`${base}/lang/en`);
      await desk.goto(`${base}/analytics`);
      assert.equal(await desk.locator("figure.svg-chart svg").count(), 4);
      assert.match(await desk.locator("#days").innerText(), /¥31\.00/);
      assert.match(await desk.locator("#tiles").innerText(), /Average basket/);
      await shot(desk, `analytics-${name}-${lang}`);
      await desk.click("a:has-text('Last 14 days')");
      assert.match(await desk.locator("#period").innerText(), /compared with/);
      await desk.context().close();
      continue;
    }
    await page.goto(`${base}/analytics`);
    assert.equal(await page.locator("figure.svg-chart svg").count(), 4);
    assert.match(await page.locator("#days").innerText(), /¥31\.00/);
    const svg = await page.locator("#departments figure").innerHTML();
    assert.match(svg, /生鲜/);
    const data = await page.request.get(`${base}/api/v1/merchant/till/analytics.csv?view=segment`);
    assert.equal(data.status(), 200);
    assert.match(await data.text(), /^segment,sales,items,baskets,previous_sales/);
    await shot(page, `analytics-${name}-${lang}`);
  }
});

await journey("every page renders for its role, with the security headers; a form without its CSRF token is refused", async () => {
  for (const path of ["/", "/wallet", "/cards", "/terminals", "/transactions", "/services", "/catalogue", "/analytics", "/statements", "/cancellation"]) {
    const response = await d.goto(`${base}${path}`);
    assert.equal(response.status(), 200, path);
    assert.match(response.headers()["content-security-policy"], /script-src 'self'/);
  }
  const admin = await staff("admin");
  for (const path of ["/console", "/console/applications", "/console/cancellations", "/console/merchants", "/console/terminals", "/console/payouts", "/console/services", "/console/risk", "/console/risk/cases", "/console/risk/rulesets", "/console/risk/transactions/1", "/console/risk/merchants/898310048990001", "/console/audit", "/console/sms"]) {
    const response = await admin.goto(`${base}${path}`);
    assert.equal(response.status(), 200, path);
  }
  // The support role's menu has no audit log, and the page refuses it.
  const support = await staff("support");
  assert.equal(await support.locator("nav a[href='/console/audit']").count(), 0);
  assert.equal((await support.goto(`${base}/console/audit`)).status(), 403);
  assert.equal(await support.locator("nav a[href='/console/risk']").count(), 0);
  assert.equal((await support.goto(`${base}/console/risk`)).status(), 403);
  assert.equal(await support.locator("nav a[href='/console/risk/cases']").count(), 0);
  assert.equal((await support.goto(`${base}/console/risk/cases`)).status(), 403);
  // Support reads the outbox with every code masked, and cannot show them.
  await support.goto(`${base}/console/sms`);
  const masked = (await support.locator("td.sms").allInnerTexts()).join("\n");
  assert.doesNotMatch(masked, / is \d{6}(?!\d)/, "codes are masked to support (a merchant number is no code)");
  assert.equal(await support.locator("#reveal-codes").count(), 0);
  assert.equal((await support.goto(`${base}/console/sms?reveal=1`)).status(), 403);
  const forged = await d.request.post(`${base}/wallet`, { form: { amount: "1.00", payment_password: "135790" } });
  assert.equal(forged.status(), 403);
  const api = await d.request.post(`${base}/api/v1/merchant/wallet/withdrawals`, { data: { amount: 100, payment_password: "135790" } });
  assert.equal(api.status(), 403, "the API wants X-CSRF-Token with a cookie session");
  const cookies = await d.context().cookies();
  const session = cookies.find((c) => c.name === "kassa_session");
  assert.ok(session.httpOnly && session.secure && session.sameSite === "Strict");
  await admin.goto(`${base}/console/terminals`);
  await shot(admin, "console-terminals");
});

await journey("every page in each language: its words only, no sideways scrolling on a phone, no serious accessibility fault", async () => {
  const admin = await staff("admin");
  const links = async (page, from, selector) => {
    await page.goto(`${base}${from}`);
    return (await page.locator(selector).evaluateAll((as) => as.map((a) => a.getAttribute("href")))).slice(0, 1);
  };
  const merchantPages = ["/", "/wallet", "/cards", "/terminals", "/transactions", "/services", "/catalogue", "/analytics", "/statements", "/cancellation",
    ...(await links(d, "/transactions", "#transactions a[href^='/transactions/']")),
    ...(await links(d, "/cards", "a[href$='/delete']"))];
  const staffPages = ["/console", "/console/applications", "/console/cancellations", "/console/merchants", "/console/terminals",
    "/console/payouts", "/console/services", "/console/risk", "/console/risk/cases", "/console/risk/rulesets", "/console/audit", "/console/sms",
    "/console/risk/merchants/898310048990001",
    ...(await links(admin, "/console/risk/cases", "a[href^='/console/risk/cases/']")),
    ...(await links(admin, "/console/risk/rulesets", "a[href^='/console/risk/rulesets/']")),
    ...(await links(admin, "/console/risk", "a[href^='/console/risk/transactions/']"))];
  const problems = [];
  for (const lang of ["zh", "en"]) {
    for (const [page, pages, wide] of [[d, merchantPages, false], [admin, staffPages, true]]) {
      await page.goto(`${base}/lang/${lang}`);
      for (const path of pages) {
        const response = await page.goto(`${base}${path}`);
        assert.equal(response.status(), 200, path);
        for (const p of await audit(page, lang, wide)) { problems.push(`${lang} ${path}: ${p}`); }
        if (path === "/transactions" || path === "/cards" || path === "/services") { await shot(page, `phone-${path.slice(1)}-${lang}`); }
      }
    }
  }
  // And the pages before a log-in.
  for (const lang of ["zh", "en"]) {
    const stranger = await newPage(phone);
    await stranger.goto(`${base}/lang/${lang}`);
    for (const path of ["/login", "/signup", "/console/login"]) {
      assert.equal((await stranger.goto(`${base}${path}`)).status(), 200, path);
      for (const p of await audit(stranger, lang, false)) { problems.push(`${lang} ${path}: ${p}`); }
    }
    await stranger.context().close();
  }
  await d.goto(`${base}/lang/zh`);
  if (problems.length) { console.error(problems.join("\n")); }
  assert.equal(problems.length, 0, `${problems.length} problems, the first: ${problems[0]}`);
});

await browser.close();
stop();
rmSync(dir, { recursive: true, force: true });
console.log(journeys.join("\n"));
console.log(`screenshots: ${shots}`);
process.exit(journeys.some((j) => j.startsWith("FAIL")) ? 1 : 0);
