import { chromium } from "playwright-core";
const base = process.argv[2];
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ["--no-sandbox", "--disable-gpu"] });
for (const [name, opts] of [["desk", { viewport: { width: 1280, height: 860 } }], ["phone", { viewport: { width: 390, height: 844 }, isMobile: true }]]) {
  const page = await (await browser.newContext(opts)).newPage();
  await page.goto(`${base}/login`);
  await page.fill("input[name=phone]", "13800138000");
  await page.fill("input[name=password]", "kassa-demo-1");
  await page.click("button[type=submit]");
  await page.waitForURL(`${base}/`);
  if (name === "desk") { await page.goto(`${base}/lang/en`); }
  for (const path of ["/analytics", "/catalogue"]) {
    await page.goto(`${base}${path}`);
    await page.screenshot({ path: `/tmp/pt/${name}${path.replace("/", "-")}.png`, fullPage: true });
  }
}
await browser.close();
