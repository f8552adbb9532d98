// End-to-end tests of the Clusters view: photos grouped by meaning with automatic names, and the
// user's edits (rename, merge, move, hide) kept across reloads. Fixture model: colours ↔ colour words,
// so the true groups are the colour pairs of the fixture photos.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { expectText, fixtureImage, fixtureManifest, POLL_MS, ROOT, startServer, test } from './harness.mjs';
import { importFiles, openApp, ui } from './app-helpers.mjs';
import { startGeminiStub } from './gemini-stub.mjs';

const manifest = fixtureManifest();
const GOOD = Object.keys(manifest).filter((k) => manifest[k].kind === 'good' && !k.includes('/'));
/** Colour → fixture photos of that colour, for colours with at least two photos. */
const PAIRS = Object.fromEntries(
  [...new Set(GOOD.map((k) => manifest[k].colour))].map((c) => [c, GOOD.filter((k) => manifest[k].colour === c).sort()]).filter(([, v]) => v.length >= 2),
);

const clusterList = (page) => page.getByRole('list', { name: 'Clusters', exact: true });

async function showClusters(page) {
  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Clusters' }).click();
  await page.getByRole('heading', { name: 'Clusters', exact: true }).waitFor();
}

/** [{ name, count, automatic }] of the cluster cards in display order. */
async function readClusters(list) {
  return list.locator(':scope > li').evaluateAll((lis) =>
    lis.map((li) => ({
      name: li.querySelector('.cluster-name')?.textContent?.trim() ?? '',
      label: li.getAttribute('aria-label') ?? '',
      automatic: [...li.querySelectorAll('.badge')].some((b) => b.textContent?.trim() === 'automatic'),
    })),
  );
}

async function waitClusterCount(page, n, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let last = [];
  while (Date.now() < deadline) {
    last = await readClusters(clusterList(page)).catch(() => []);
    // "Unnamed group" is the placeholder shown until the automatic name arrives.
    if (last.length === n && last.every((c) => c.name && c.name !== 'Unnamed group')) return last;
    await page.waitForTimeout(POLL_MS);
  }
  throw new Error(`expected ${n} clusters, saw ${JSON.stringify(last)}`);
}

/** Opens a cluster by its card name and returns its member file names (sorted). */
async function membersOf(page, name) {
  await clusterList(page).getByRole('button', { name: `Open cluster ${name}`, exact: true }).click();
  await page.getByRole('heading', { name, exact: true }).waitFor();
  const list = page.getByRole('list', { name: 'Cluster members' });
  await list.getByRole('listitem').first().waitFor();
  const names = (await list.locator('.name').allTextContents()).map((s) => s.trim()).sort();
  return names;
}

async function backToClusters(page) {
  await page.getByRole('button', { name: 'All clusters' }).click();
  await clusterList(page).waitFor();
}

/** Card name → sorted member names, for every visible cluster. */
async function clusterMap(page) {
  const out = {};
  for (const c of await readClusters(clusterList(page))) {
    out[c.name] = await membersOf(page, c.name);
    await backToClusters(page);
  }
  return out;
}

const nameOfGroup = (map, file) => Object.keys(map).find((k) => map[k].includes(file));

test('clusters: the fixture photos group by colour, each group with an automatic name', async ({ page, url }) => {
  await openApp(page, url);
  await importFiles(page, GOOD.map(fixtureImage), GOOD.length);
  await showClusters(page);
  const cards = await waitClusterCount(page, Object.keys(PAIRS).length);
  assert.ok(cards.every((c) => c.automatic), `every name is marked automatic: ${JSON.stringify(cards)}`);
  assert.equal(new Set(cards.map((c) => c.name)).size, cards.length, 'names are distinct');
  const map = await clusterMap(page);
  assert.deepEqual(Object.values(map).sort(), Object.values(PAIRS).sort(), 'each cluster is exactly one colour pair');
  // The lone photos (one of their colour) do not make a group of their own.
  for (const lone of GOOD.filter((k) => !Object.values(PAIRS).flat().includes(k))) {
    assert.equal(nameOfGroup(map, lone), undefined, `${lone} is in no shown cluster`);
  }
});

test("clusters: after a reload the viewer's info panel names an item's group before the Clusters view is opened; the view then shows the groups", async ({ page, url }) => {
  await openApp(page, url);
  const files = [...PAIRS.red, ...PAIRS.blue];
  await importFiles(page, files.map(fixtureImage), files.length);
  await showClusters(page);
  await waitClusterCount(page, 2);
  const red = nameOfGroup(await clusterMap(page), 'red-ball.jpg');
  assert.ok(red);

  await page.reload();
  await ui(page).searchbox.waitFor();
  await ui(page).library.getByRole('button', { name: 'Open red-ball.jpg' }).click();
  await page.keyboard.press('i');
  const info = page.getByRole('dialog', { name: 'red-ball.jpg' }).getByRole('complementary', { name: 'Info' });
  await expectText(info.locator('dt:text-is("Group") + dd'), new RegExp(`^${red}$`));
  await page.keyboard.press('Escape');
  await showClusters(page);
  assert.ok((await waitClusterCount(page, 2)).some((c) => c.name === red), 'the group shown in the info panel is a card of the view');
});

test('clusters: rename, merge, move and hide are kept after a reload; a new photo joins its renamed cluster', async ({ page, url }) => {
  await openApp(page, url);
  const files = [...PAIRS.red, ...PAIRS.yellow, ...PAIRS.blue, ...PAIRS.green];
  await importFiles(page, files.map(fixtureImage), files.length);
  await showClusters(page);
  await waitClusterCount(page, 4);
  const map = await clusterMap(page);

  // Rename the red pair.
  const red = nameOfGroup(map, 'red-ball.jpg');
  assert.ok(red);
  await membersOf(page, red);
  await page.getByLabel('Cluster name').fill('Red Things <b>bold</b>');
  await page.getByRole('button', { name: 'Rename' }).click();
  await page.getByRole('heading', { name: 'Red Things <b>bold</b>', exact: true }).waitFor();
  assert.equal(await page.locator('main b').count(), 0, 'a name is text, never markup');

  // Merge the yellow pair into it.
  const yellow = nameOfGroup(map, 'yellow-sun.jpg');
  await page.getByLabel('Merge with').selectOption({ label: `${yellow} (2)` });
  await page.getByRole('button', { name: 'Merge' }).click();
  await expectText(page.locator('.cluster-detail .count'), /^4 items$/);

  // Move one yellow photo to the blue cluster.
  const blue = nameOfGroup(map, 'blue-sky.jpg');
  await page.getByLabel('Move yellow-sun.jpg to').selectOption({ label: blue });
  await expectText(page.locator('.cluster-detail .count'), /^3 items$/);
  await backToClusters(page);

  // Hide the green one.
  const green = nameOfGroup(map, 'green-leaf.jpg');
  await membersOf(page, green);
  await page.getByRole('button', { name: 'Hide cluster' }).click();
  await clusterList(page).waitFor();

  const expectEdited = async () => {
    await showClusters(page);
    const cards = await waitClusterCount(page, 2);
    const edited = await clusterMap(page);
    assert.deepEqual(edited['Red Things <b>bold</b>'], ['red-ball.jpg', 'red-square.png', 'yellow-banana.png']);
    assert.deepEqual(edited[blue], ['blue-ocean.png', 'blue-sky.jpg', 'yellow-sun.jpg']);
    assert.ok(!cards.find((c) => c.name === 'Red Things <b>bold</b>').automatic, 'a user name is not marked automatic');
    await page.getByText(/Hidden clusters \(1\)/).click();
    await page.getByRole('list', { name: 'Hidden clusters' }).getByRole('button', { name: `Open cluster ${green}` }).waitFor();
  };
  await expectEdited();
  await page.reload();
  await expectEdited();

  // A new red photo joins the renamed cluster; the name stays.
  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Library' }).click();
  await importFiles(page, [fixtureImage('rotated/tall-red-exif6.jpg')], 1);
  await showClusters(page);
  const deadline = Date.now() + 20_000;
  let members = [];
  while (Date.now() < deadline) {
    members = (await clusterMap(page))['Red Things <b>bold</b>'] ?? [];
    if (members.includes('tall-red-exif6.jpg')) break;
    await page.waitForTimeout(200);
  }
  assert.deepEqual(members, ['red-ball.jpg', 'red-square.png', 'tall-red-exif6.jpg', 'yellow-banana.png']);
});

test('clusters: a video whose frames show yellow joins the yellow photos; the card counts photos and videos', async ({ page, url }) => {
  await openApp(page, url);
  const video = join(ROOT, 'test/fixtures/generated/videos/black-open.mp4');
  await importFiles(page, [...PAIRS.yellow, ...PAIRS.red].map(fixtureImage).concat(video), 5, 60_000);
  await showClusters(page);
  await waitClusterCount(page, 2);
  const map = await clusterMap(page);
  const yellow = nameOfGroup(map, 'yellow-sun.jpg');
  assert.deepEqual(map[yellow], ['black-open.mp4', ...PAIRS.yellow].sort());
  assert.match(await clusterList(page).getByRole('listitem', { name: new RegExp(`^${yellow}, 3 items`) }).textContent(), /2 photos · 1 video/);
});

// ---------------------------------------------------------------- naming with Gemini (stub server)

const KEY = 'AIza-test-key-0123456789';

/** The app served with a CSP that lets it reach the stub: the same setting a Gemini proxy deployment uses. */
let naming = null;
function appWithStub() {
  naming ??= (async () => {
    const stub = await startGeminiStub();
    const before = process.env.SHOEBOX_VLM_ORIGINS;
    process.env.SHOEBOX_VLM_ORIGINS = stub.origin;
    try {
      const server = await startServer();
      process.once('exit', () => void server.stop());
      return { url: server.url, stub };
    } finally {
      if (before === undefined) delete process.env.SHOEBOX_VLM_ORIGINS;
      else process.env.SHOEBOX_VLM_ORIGINS = before;
    }
  })();
  return naming;
}

async function saveKey(page, endpoint) {
  const settings = page.getByRole('button', { name: 'Settings', exact: true });
  await settings.click();
  const panel = page.getByRole('region', { name: 'Cluster names' });
  await panel.getByLabel('Gemini API key').fill(KEY);
  await panel.getByText('Endpoint', { exact: true }).click();
  await panel.getByLabel('Gemini endpoint').fill(endpoint);
  await panel.getByRole('button', { name: 'Save' }).click();
  await panel.getByRole('button', { name: 'Forget key' }).waitFor();
  await settings.click();
}

async function importAndCluster(page, url) {
  await openApp(page, url);
  await importFiles(page, GOOD.map(fixtureImage), GOOD.length);
  await showClusters(page);
  return waitClusterCount(page, Object.keys(PAIRS).length);
}

test('clusters: "Name clusters" sends one request per cluster with several thumbnails; names show as text; no second call for unchanged clusters', async ({ page }) => {
  const { url, stub } = await appWithStub();
  stub.reset();
  const hostile = '<img src=x onerror=alert(1)>';
  stub.respond([{ name: 'Red Kites' }, { name: hostile }, { name: 'Sunny Days', description: 'Bright yellow things.' }, { name: 'Green Fields' }]);
  let dialogs = 0;
  page.on('dialog', (d) => {
    dialogs++;
    void d.dismiss();
  });
  await importAndCluster(page, url);
  await saveKey(page, stub.origin);

  await page.getByRole('button', { name: 'Name clusters' }).click();
  const status = page.locator('.naming-status');
  await expectText(status, /Named 4 of 4 clusters with 4 requests/, 30_000);
  await expectText(status, /4 requests made/);

  assert.equal(stub.requests.length, Object.keys(PAIRS).length, 'exactly one request per cluster');
  for (const r of stub.requests) {
    assert.equal(r.headers['x-goog-api-key'], KEY, 'the key travels in the request header');
    assert.ok(!r.url.includes(KEY) && !r.rawBody.includes(KEY), 'the key is not in the address or the body');
    assert.ok(r.imageCount >= 2, `several thumbnails per request (${r.imageCount})`);
    assert.ok(r.imageMimeTypes.every((m) => m === 'image/jpeg'));
    assert.ok(r.imageSizes.every((s) => s && s.width <= 512 && s.height <= 512));
    assert.equal(r.model, 'gemini-2.5-flash');
  }

  const cards = await readClusters(clusterList(page));
  const names = cards.map((c) => c.name).sort();
  assert.ok(names.includes('Red Kites') && names.includes('Green Fields') && names.includes('Sunny Days'), JSON.stringify(names));
  assert.ok(names.some((n) => /^<img src=x onerror=alert\(1\)>$/i.test(n)), `the hostile name is shown as literal text: ${JSON.stringify(names)}`);
  assert.equal(await page.locator('main img[src="x"], main img:not([src^="data:image/"])').count(), 0, 'no element made from a name');
  assert.ok(cards.every((c) => !c.automatic), 'names from Gemini are not marked automatic');
  assert.equal(dialogs, 0);

  // Nothing changed: no new request.
  await page.getByRole('button', { name: 'Name clusters' }).click();
  await expectText(status, /Every cluster already has a name/);
  assert.equal(stub.requests.length, 4);

  // Names persist, also through a full regrouping.
  await page.reload();
  await showClusters(page);
  assert.deepEqual((await waitClusterCount(page, 4)).map((c) => c.name).sort(), names);
  await page.getByRole('button', { name: 'Regroup everything' }).click();
  await expectText(ui(page).status, /Regrouped into 4 clusters/);
  assert.deepEqual((await waitClusterCount(page, 4)).map((c) => c.name).sort(), names);
  assert.equal(stub.requests.length, 4, 'regrouping the same members asks for no new names');

  // Forget the key: naming is no longer offered, the names stay.
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  await page.getByRole('region', { name: 'Cluster names' }).getByRole('button', { name: 'Forget key' }).click();
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  assert.equal(await page.getByRole('button', { name: 'Name clusters' }).isDisabled(), true);
  const stored = await page.evaluate(async () => {
    const db = await new Promise((res, rej) => {
      const r = indexedDB.open('shoebox');
      r.onsuccess = () => res(r.result);
      r.onerror = () => rej(r.error);
    });
    const keys = await new Promise((res) => {
      const r = db.transaction('meta').objectStore('meta').getAllKeys();
      r.onsuccess = () => res(r.result);
    });
    db.close();
    return keys;
  });
  assert.ok(!stored.includes('vlm:apiKey'), `the key is gone from this device: ${stored}`);
  assert.deepEqual((await readClusters(clusterList(page))).map((c) => c.name).sort(), names);
});

test('clusters: a rejected key says "API key rejected" and keeps the automatic names', async ({ page }) => {
  const { url, stub } = await appWithStub();
  stub.reset();
  stub.respond(() => ({ status: 403 }));
  const before = await importAndCluster(page, url);
  await saveKey(page, stub.origin);
  await page.getByRole('button', { name: 'Name clusters' }).click();
  await expectText(page.locator('.naming-status'), /API key rejected/, 30_000);
  assert.ok(stub.requests.length >= 1 && stub.requests.length <= 2, `naming stops at the first rejection (${stub.requests.length} in flight)`);
  const after = await readClusters(clusterList(page));
  assert.deepEqual(after, before, 'automatic names kept');
  assert.ok(after.every((c) => c.automatic));
});

test('clusters: two open tabs show the same clusters; a rename in one reaches the other without a reload', async ({ page, context, url }) => {
  const other = await context.newPage();
  await openApp(page, url);
  await openApp(other, url);
  const files = [...PAIRS.red, ...PAIRS.blue];
  // Added in the second tab: the first one, which runs the import, groups them.
  await importFiles(other, files.map(fixtureImage), files.length);
  // A tab behind gets no animation frames, so a click there waits seconds for the element to be
  // stable: the tab clicked next is brought to the front, as a user would switch to it.
  for (const p of [page, other]) {
    await p.bringToFront();
    await showClusters(p);
  }
  await waitClusterCount(page, 2);
  await waitClusterCount(other, 2);
  await page.bringToFront();
  const map = await clusterMap(page);
  await other.bringToFront();
  assert.deepEqual(await clusterMap(other), map, 'both tabs show the same groups with the same names');

  const red = nameOfGroup(map, 'red-ball.jpg');
  await membersOf(other, red);
  await other.getByLabel('Cluster name').fill('Red Things');
  await other.getByRole('button', { name: 'Rename' }).click();
  // The rename reaches the tab behind; it is brought to the front to be looked at.
  await clusterList(page).getByRole('button', { name: 'Open cluster Red Things', exact: true }).waitFor({ timeout: 15_000 });
  await page.bringToFront();
  assert.deepEqual((await clusterMap(page))['Red Things'], map[red]);
});
