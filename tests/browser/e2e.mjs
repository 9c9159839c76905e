// End-to-end sign-in flows in Debian's Chromium (playwright-core), against
// a running custodiand on https://localhost:PORT whose certificate
// authority the caller put into $HOME/.pki/nssdb (WebAuthn refuses pages
// with certificate errors, so the CA must really be trusted).
//
//   node e2e.mjs <scenario> <base-url> <setup-token> <screenshot-dir>
//
// Scenarios:
//   full      setup with the token, sign-in, TOTP enrolment, passkey
//             registration, sign-in with the passkey, step-up with the
//             passkey, sign-out
//   hardware  under the hardware-key policy: a synced passkey is refused,
//             a hardware key is accepted and then signs in
//   evidence  (no second factor configured) a bulletin created, assigned,
//             given a file; the lists and administration pages shown
//
// Exits non-zero with the failing step's name on any failure, including a
// Content-Security-Policy violation or a script error on any page.

import { createHmac } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';

const [scenario, base, setupToken, shots] = process.argv.slice(2);
if (!scenario || !base || !setupToken || !shots) {
  console.error('usage: node e2e.mjs <full|hardware> <base-url> <setup-token> <screenshot-dir>');
  process.exit(2);
}
mkdirSync(shots, { recursive: true });

const PASSWORD = 'violet hamster crossing quietly';
let current = 'start';
function step(name) {
  current = name;
  console.log(`step: ${name}`);
}

function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of text.replace(/=+$/, '')) {
    value = (value << 5) | alphabet.indexOf(ch);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

function totp(secretBase32, time = Date.now()) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(time / 1000 / 30)));
  const mac = createHmac('sha1', base32Decode(secretBase32)).update(counter).digest();
  const offset = mac[mac.length - 1] & 15;
  const n = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(n).padStart(6, '0');
}

// Takes the expected entries out of `problems`; anything else stays.
function expectProblems(expected) {
  for (const e of expected) {
    const i = problems.indexOf(e);
    if (i < 0) throw new Error(`expected "${e}" among: ${problems.join('; ')}`);
    problems.splice(i, 1);
  }
}

function expect(condition, what) {
  if (!condition) throw new Error(`expectation failed: ${what}`);
}

async function expectPath(page, path) {
  await page.waitForURL((url) => url.pathname === path, { timeout: 15_000 });
}

async function shot(page, name) {
  await page.screenshot({ path: `${shots}/${scenario}-${name}.png`, fullPage: true });
}

// The main pages also at a wide desktop (1440 px) and a phone (390 px),
// for a look by eye: `${name}-1440.png`, `${name}-390.png`.
async function shotWidths(page, name) {
  for (const width of [1440, 390]) {
    await page.setViewportSize({ width, height: width > 1000 ? 900 : 844 });
    await page.screenshot({ path: `${shots}/${scenario}-${name}-${width}.png`, fullPage: true });
  }
  await page.setViewportSize({ width: 1100, height: 800 });
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
const problems = [];
let exitCode = 0;
try {
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  const page = await context.newPage();
  // Failed loads are tracked by address (below); the console's own copy
  // of them names none.
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) {
      problems.push(`console: ${msg.text()}`);
    }
  });
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()} ${new URL(res.url()).pathname}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  async function authenticator(synced) {
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: synced ? 'internal' : 'usb',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
        defaultBackupEligibility: synced,
        defaultBackupState: synced,
      },
    });
    return authenticatorId;
  }

  async function signIn() {
    await page.goto(`${base}/login`);
    await page.fill('#username', 'admin');
    await page.fill('#password', PASSWORD);
    await page.click('button[type=submit]');
  }

  async function signOut() {
    await page.goto(`${base}/`);
    await page.click('text=Sign out');
    await expectPath(page, '/login');
  }

  async function registerKey(name) {
    await page.fill('#passkey-name', name);
    await page.click('button[data-passkey=register]');
  }

  step('setup with the one-time token');
  await page.goto(`${base}/setup`);
  await shot(page, 'setup');
  if (scenario === 'evidence') await shotWidths(page, 'setup');
  await page.fill('#token', setupToken);
  await page.fill('#username', 'admin');
  await page.fill('#password', PASSWORD);
  await page.fill('#confirm', PASSWORD);
  await page.click('button[type=submit]');
  await expectPath(page, '/login');

  if (scenario === 'full') {
    step('sign in with the password');
    await signIn();
    await expectPath(page, '/account/totp');

    step('enrol TOTP');
    await shot(page, 'totp-enrol');
    const secret = (await page.textContent('code.secret')).trim();
    expect(/^[A-Z2-7]{32}$/.test(secret), `a base32 secret, got ${secret}`);
    await page.fill('#code', totp(secret));
    await page.click('button[type=submit]');
    await expectPath(page, '/');
    expect((await page.textContent('h1')).includes('Welcome, admin'), 'home page after enrolment');

    step('register a passkey');
    const key = await authenticator(false);
    await page.goto(`${base}/account/passkeys`);
    await expectPath(page, '/account/passkeys');
    await registerKey('Desk key');
    await page.waitForSelector('td:text("Desk key")', { timeout: 15_000 });
    expect(await page.isVisible('td:text("hardware key")'), 'the key is listed as a hardware key');
    await shot(page, 'passkeys');
    const creds = await cdp.send('WebAuthn.getCredentials', { authenticatorId: key });
    expect(creds.credentials.length === 1, 'one credential on the authenticator');

    step('sign out');
    await signOut();

    step('sign in with password and passkey');
    await signIn();
    await expectPath(page, '/login/totp');
    await shot(page, 'second-step');
    await page.click('button[data-passkey=login]');
    await expectPath(page, '/');
    expect((await page.textContent('h1')).includes('Welcome, admin'), 'signed in with the passkey');

    step('step-up with the passkey');
    await page.goto(`${base}/reauth?next=/admin/users`);
    await page.click('button[data-passkey=reauth]');
    await expectPath(page, '/admin/users');
    expect((await page.textContent('h1')).includes('Accounts'), 'the accounts page after step-up');
    await shot(page, 'accounts');

    step('sign out');
    await signOut();
    await page.goto(`${base}/admin/users`);
    await expectPath(page, '/login');
  } else if (scenario === 'hardware') {
    step('sign in: only registering a hardware key is possible');
    await signIn();
    await expectPath(page, '/account/passkeys');
    expect((await page.textContent('main')).includes('requires a hardware security key'), 'the policy is explained');
    await page.goto(`${base}/admin/users`);
    await expectPath(page, '/account/passkeys');

    step('a synced passkey is refused');
    const synced = await authenticator(true);
    await registerKey('Phone');
    await page.waitForSelector('#passkey-status:has-text("hardware security key")', { timeout: 15_000 });
    await shot(page, 'synced-refused');
    expectProblems(['HTTP 400 /account/passkeys/finish']);
    expect(!(await page.isVisible('td:text("Phone")')), 'the synced passkey is not listed');
    await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: synced });

    step('a hardware key is accepted');
    await authenticator(false);
    await registerKey('YubiKey');
    await page.waitForSelector('td:text("YubiKey")', { timeout: 15_000 });
    await page.goto(`${base}/`);
    await expectPath(page, '/');

    step('sign out and in with the hardware key');
    await signOut();
    await signIn();
    await expectPath(page, '/login/totp');
    await page.click('button[data-passkey=login]');
    await expectPath(page, '/');
    await signOut();
  } else if (scenario === 'evidence') {
    // Evidence pages, no JavaScript involved: forms, a file upload, the
    // workflow and the administrators' pages, each looked at in a shot.
    step('sign in');
    await signIn();
    await expectPath(page, '/');
    step('create a bulletin');
    await page.goto(`${base}/bulletins/new`);
    await page.fill('#title-en', 'Shelling of the market, 3 May');
    // Arabic with a Latin word and digits in it: shown in its own order
    // only inside dir=auto or <bdi> (checked on every page below).
    await page.fill('#title-ar', 'قصف سوق حلب (Aleppo) يوم 3 أيار');
    await page.fill('#description-en', '<p>Three <strong>witnesses</strong>.</p><script>alert(1)</script>');
    await page.click('button[type=submit]');
    await expectPath(page, '/bulletins/view');
    expect((await page.textContent('.description')).includes('Three witnesses.'), 'description kept, script gone');
    step('assign it to myself');
    await page.click('button:text("Assign to me")');
    await expectPath(page, '/bulletins/view');
    step('upload a file');
    const png = Buffer.from(
      '89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
      '1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex');
    await page.setInputFiles('#file', { name: 'photo.png', mimeType: 'image/png', buffer: png });
    await page.click('button:text("Upload")');
    await expectPath(page, '/bulletins/view');
    await page.waitForSelector('td a:text("photo.png")');
    await shot(page, 'bulletin');
    step('an actor related to the bulletin, with an event');
    await page.goto(`${base}/actors/new`);
    await page.fill('#title-en', 'Unit 7');
    await page.selectOption('#type', 'entity');
    await page.fill('#nationality', 'unknown');
    await page.click('button[type=submit]');
    await expectPath(page, '/actors/view');
    await page.click('summary:text("Add a relation")');
    await page.selectOption('#rel-type', 'appears_in');
    await page.selectOption('#rel-kind', 'bulletin');
    await page.fill('#rel-id', '1');
    await page.click('button:text("Add relation")');
    await expectPath(page, '/actors/view');
    await page.waitForSelector('ul.relations a[href="/bulletins/view?id=1"]');
    await page.click('summary:text("Add an event")');
    await page.selectOption('#ev-type', { label: 'Shelling' });
    await page.fill('#ev-from', '2024-05-03');
    await page.click('button:text("Add event")');
    await expectPath(page, '/actors/view');
    await page.waitForSelector('td:has-text("Shelling")');
    await shot(page, 'actor');
    step('a wrong event withdrawn with a reason');
    await page.click('table summary:text("Withdraw")');
    await page.fill('table input[name=reason]', 'Wrong day: it was the 4th');
    await page.click('table button:text("Withdraw")');
    await expectPath(page, '/actors/view');
    await page.waitForSelector('span.withdrawn:has-text("Wrong day: it was the 4th")');
    await page.waitForSelector('td del:has-text("Shelling")');
    await shot(page, 'actor-withdrawn');
    step('save a search');
    await page.goto(`${base}/bulletins?q=market`);
    await page.click('summary:text("Save this search")');
    await page.fill('#saved-name', 'أسواق (markets)');
    await page.click('form[action="/searches/save"] button[type=submit]');
    await expectPath(page, '/bulletins');
    await page.waitForSelector('p.saved a bdi:text("أسواق (markets)")');
    step('import labels in both languages');
    await page.goto(`${base}/admin/import`);
    await page.selectOption('#kind', 'labels');
    await page.setInputFiles('#file', {
      name: 'labels.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('title_ar,title_en,description\nقصف مدفعي,Shelling,\nاعتقال تعسفي,,\n,Torture,\n'),
    });
    await page.click('form[action="/admin/import"] button[type=submit]');
    await expectPath(page, '/admin/import/job');
    await page.waitForSelector('progress[value="100"]', { timeout: 15_000 });
    await shot(page, 'import-job');
    step('attach a label found by name, without a script');
    // Arabic typed without its diacritics or its exact letters still
    // finds the label (folded as search folds).
    await page.goto(`${base}/bulletins/view?id=1`);
    await page.fill('input[name=find_label]', 'تعسف');
    await page.click('form:has(input[name=find_label]) button');
    await expectPath(page, '/bulletins/view');
    expect(await page.inputValue('input[name=find_label]') === 'تعسف', 'what was typed stays');
    const offered = await page.locator('form:has(input[name=what][value=label]) option').allTextContents();
    expect(offered.length === 1 && offered[0] === 'اعتقال تعسفي', `the label found: ${offered}`);
    await page.click('form:has(input[name=what][value=label]) button');
    await expectPath(page, '/bulletins/view');
    await page.waitForSelector('dl.facts dd:has-text("اعتقال تعسفي")');
    // Every page an analyst or administrator reads, walked in English and
    // in Arabic at a wide desktop (1440 px) and a phone (390 px); the
    // shots are kept for a look by eye (`${name}-1440.png`, `ar-${name}-390.png`).
    // `whole` marks the pages that are Arabic throughout in Arabic: every
    // text of the interface, leaving out only what people entered and
    // identifiers (user text sits in dir=auto or <bdi>, identifiers, times
    // and codes in dir=ltr or <code>).
    const pages = [
      ['/', 'home', true],
      ['/bulletins?q=market', 'bulletins', true],
      ['/bulletins/new', 'new-bulletin', true],
      ['/bulletins/view?id=1', 'bulletin-related', true],
      ['/bulletins/edit?id=1', 'edit-bulletin', true],
      ['/bulletins/history?id=1', 'history', true],
      ['/actors', 'actors', true],
      ['/actors/new', 'new-actor', true],
      ['/actors/view?id=1', 'actor-view', true],
      ['/actors/history?id=1', 'actor-history', true],
      ['/incidents', 'incidents', true],
      ['/incidents/new', 'new-incident', true],
      ['/reference?kind=labels', 'reference-labels', true],
      ['/reference?kind=sources', 'reference-sources', true],
      ['/reference?kind=locations', 'reference-locations', true],
      ['/exports', 'exports', true],
      ['/account/preferences', 'preferences', true],
      ['/account/notifications', 'notifications', true],
      ['/account/sessions', 'sessions', true],
      ['/account/passkeys', 'passkeys', true],
      ['/account/password', 'password', true],
      ['/admin/users', 'accounts', true],
      ['/admin/users/permissions?username=admin', 'permissions', true],
      ['/admin/sessions', 'admin-sessions', true],
      ['/admin/event-types', 'event-types', true],
      ['/admin/import', 'import', true],
      ['/admin/import/bulletins', 'import-bulletins', true],
      ['/admin/backups', 'backups', true],
      ['/admin/load', 'load', true],
      ['/admin/updates', 'updates', true],
      // (The activity filter's hints quote identifiers and the settings
      // list the configuration's own values, in English.)
      ['/admin/activity', 'activity', false],
      ['/admin/settings', 'settings', false],
    ];
    step('every page in English');
    for (const [path, name] of pages) {
      await page.goto(`${base}${path}`);
      await expectPath(page, path.split('?')[0]);
      expect(await page.evaluate(() => document.documentElement.dir) === 'ltr', `${path}: dir=ltr`);
      await shotWidths(page, name);
    }
    step('every page in Arabic, right to left');
    // A browser whose language is Arabic: the sign-in pages and the frame
    // of every page are Arabic, laid out right to left (issue 16).
    for (const [path, name, signed, whole] of [
      ...pages.map(([path, name, whole]) => [path, `ar-${name}`, true, whole]),
      ['/no-such-page', 'ar-not-found', true, true],
      ['/', 'ar-welcome', false, true],
      ['/login', 'ar-login', false, true],
    ]) {
      const ar = await browser.newContext({
        locale: 'ar-SY',
        viewport: { width: 1100, height: 800 },
        storageState: signed ? await context.storageState() : undefined,
      });
      const p = await ar.newPage();
      p.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
      await p.goto(`${base}${path}`);
      expect(await p.evaluate(() => document.documentElement.dir) === 'rtl', `${path}: dir=rtl`);
      expect(await p.evaluate(() => document.documentElement.lang) === 'ar', `${path}: lang=ar`);
      // Laid out right to left: the page's first block starts at the right.
      const start = await p.evaluate(() => getComputedStyle(document.body).direction);
      expect(start === 'rtl', `${path}: direction ${start}`);
      const frame = await p.evaluate(() =>
        [...document.querySelectorAll('nav.site, footer, a.skip, header .signout, nav.crumbs a')]
          .map((e) => e.textContent).join(' '));
      for (const english of ['Bulletins', 'Reference data', 'Administration', 'Sign out', 'Home', 'evidence appliance']) {
        expect(!frame.includes(english), `${path}: "${english}" in the Arabic frame: ${frame}`);
      }
      // What people entered sits in an element of its own direction (or,
      // in a revision's stored snapshot, inside JSON laid out left to right).
      const loose = await p.evaluate((titles) => {
        const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        const out = [];
        while (walk.nextNode()) {
          const n = walk.currentNode;
          if (titles.some((t) => n.nodeValue.includes(t)) && !n.parentElement.closest('bdi, [dir="auto"], pre.snapshot[dir="ltr"]')) {
            out.push(n.nodeValue.trim());
          }
        }
        return out;
      }, ['قصف سوق حلب', 'Shelling of the market', 'قصف مدفعي', 'اعتقال تعسفي', 'Torture', 'أسواق (markets)']);
      expect(loose.length === 0, `${path}: user text outside dir=auto or <bdi>: ${loose.join(' | ')}`);
      if (whole) {
        // Nothing Latin but the product's name, outside what people
        // entered and identifiers.
        const text = await p.evaluate(() => {
          const body = document.body.cloneNode(true);
          body.querySelectorAll('script, noscript, code, bdi, time, [dir="ltr"], [dir="auto"]').forEach((e) => e.remove());
          // Each text on its own, so neighbouring words stay apart.
          const walk = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
          const texts = [];
          while (walk.nextNode()) texts.push(walk.currentNode.nodeValue);
          return texts.join(' ');
        });
        // The account's own name (the administrator here is "admin") is
        // user text too, inside sentences of the catalogue; SHA-256 and PDF
        // are written so in Arabic as well.
        const rest = text.replace(/\b(Custodian|Vault|UTC|admin|SHA|PDF|CSV|UTF|PostgreSQL|custodiand)\b/g, '');
        const latin = rest.match(/[A-Za-z]{3,}/g);
        expect(!latin, `${path}: English on the Arabic page: ${latin} in ${rest.replace(/\s+/g, ' ')}`);
      }
      if (signed) {
        expect(frame.includes('النشرات'), `${path}: the Arabic navigation: ${frame}`);
        // The account name is isolated, so a Latin name does not reorder
        // the Arabic around it.
        expect(await p.locator('header .account bdi').count() === 1, `${path}: <bdi> around the name`);
      }
      for (const width of [1440, 390]) {
        await p.setViewportSize({ width, height: width > 1000 ? 900 : 844 });
        await p.screenshot({ path: `${shots}/${scenario}-${name}-${width}.png`, fullPage: true });
      }
      await ar.close();
    }
    step('an analyst\'s day in Arabic');
    // The whole day through the Arabic interface, every control found by
    // its field, never by English words: a bilingual bulletin created and
    // edited, related to an actor, a label found and attached, submitted
    // for review, the notifications read, an export requested.
    const day = await browser.newContext({
      locale: 'ar-SY',
      viewport: { width: 1100, height: 800 },
      storageState: await context.storageState(),
    });
    const d = await day.newPage();
    d.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    d.on('response', (res) => {
      if (res.status() >= 400) problems.push(`HTTP ${res.status()} ${new URL(res.url()).pathname}`);
    });
    // Someone to review: an analyst added on the accounts page.
    await d.goto(`${base}/admin/users`);
    await d.fill('#username', 'layla');
    await d.selectOption('#role', 'analyst');
    await d.click('form[action="/admin/users"] button[type=submit]');
    await expectPath(d, '/admin/users');
    await d.goto(`${base}/bulletins/new`);
    expect(await d.evaluate(() => document.documentElement.dir) === 'rtl', 'the form is right to left');
    await d.fill('#title-ar', 'اعتقال ناشط في حمص');
    await d.fill('#title-en', 'Activist detained in Homs');
    await d.fill('#description-ar', 'أفاد شاهدان بأن دورية أوقفته عند الحاجز.');
    await d.click('form.record button[type=submit]');
    await expectPath(d, '/bulletins/view');
    const dayId = new URL(d.url()).searchParams.get('id');
    await d.goto(`${base}/bulletins/edit?id=${dayId}`);
    await d.fill('#title-ar', 'اعتقال ناشطة في حمص');
    await d.click('form.record button[type=submit]');
    await expectPath(d, '/bulletins/view');
    expect((await d.textContent('h1')).includes('ناشطة'), 'the edit is kept');
    expect((await d.textContent('main')).includes('Activist detained in Homs'), 'the English title beside it');
    await d.click('details:has(#rel-type) summary');
    await d.selectOption('#rel-type', 'related');
    await d.selectOption('#rel-kind', 'actor');
    await d.fill('#rel-id', '1');
    await d.click('form:has(#rel-type) button[type=submit]');
    await expectPath(d, '/bulletins/view');
    await d.waitForSelector('ul.relations a[href="/actors/view?id=1"]');
    await d.fill('input[name=find_label]', 'قصف');
    await d.click('form:has(input[name=find_label]) button');
    await expectPath(d, '/bulletins/view');
    await d.click('form:has(input[name=what][value=label]) button');
    await expectPath(d, '/bulletins/view');
    await d.waitForSelector('dl.facts dd:has-text("قصف مدفعي")');
    await d.click('form:has(input[name=step][value=self-assign]) button[type=submit]');
    await expectPath(d, '/bulletins/view');
    const submit = 'form:has(input[name=step][value=submit])';
    await d.selectOption(`${submit} select[name=user]`, { label: 'layla' });
    await d.click(`${submit} button[type=submit]`);
    await expectPath(d, '/bulletins/view');
    await d.waitForSelector('dl.facts dd:has-text("layla")');
    await d.goto(`${base}/account/notifications`);
    await expectPath(d, '/account/notifications');
    await d.goto(`${base}/exports`);
    await d.selectOption('#format', 'csv');
    await d.fill('#q', 'حمص');
    await d.fill('#reason', 'تقرير شهري للجنة التحقيق');
    await d.click('form[action="/exports"] button[type=submit]');
    await expectPath(d, '/exports');
    await d.waitForSelector('td:has-text("تقرير شهري للجنة التحقيق")');
    const latin = await d.evaluate(() => {
      const body = document.body.cloneNode(true);
      body.querySelectorAll('script, noscript, code, bdi, time, [dir="ltr"], [dir="auto"]').forEach((e) => e.remove());
      return body.textContent.replace(/\b(Custodian|admin|CSV|JSON|UTC)\b/g, '').match(/[A-Za-z]{3,}/g);
    });
    expect(!latin, `English on the Arabic exports page: ${latin}`);
    for (const width of [1440, 390]) {
      await d.setViewportSize({ width, height: width > 1000 ? 900 : 844 });
      await d.screenshot({ path: `${shots}/${scenario}-ar-day-export-${width}.png`, fullPage: true });
    }
    await d.goto(`${base}/bulletins/view?id=${dayId}`);
    for (const width of [1440, 390]) {
      await d.setViewportSize({ width, height: width > 1000 ? 900 : 844 });
      await d.screenshot({ path: `${shots}/${scenario}-ar-day-bulletin-${width}.png`, fullPage: true });
    }
    await day.close();
  } else {
    throw new Error(`unknown scenario ${scenario}`);
  }
  if (problems.length > 0) throw new Error(`the browser reported problems:\n${problems.join('\n')}`);
  console.log(`ok: ${scenario}`);
} catch (e) {
  console.error(`FAILED at step "${current}": ${e.message}`);
  if (problems.length > 0) console.error(problems.join('\n'));
  exitCode = 1;
} finally {
  await browser.close();
}
process.exit(exitCode);
