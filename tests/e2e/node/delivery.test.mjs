// Delivery URLs built by the official Node SDK (@imagekit/nodejs, helper.buildSrc), unchanged, fetched from
// `medialib local start-api`: the SDK's encoding and signatures are accepted byte for byte. Run by
// tests/e2e/test_delivery_sdk.py, which uploads the files and passes BASE_URL, PRIVATE_KEY, URL_ENDPOINT,
// PUBLIC_PATH and PRIVATE_PATH (the 600x400 grid PNG, public and private) and ACCENTED_PATH (a private PNG
// whose name has non-ASCII letters). Width and height are read from the image's own header bytes.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import ImageKit from '@imagekit/nodejs';

const client = new ImageKit({ privateKey: process.env.PRIVATE_KEY, baseURL: process.env.BASE_URL });
const urlEndpoint = process.env.URL_ENDPOINT;
const PUBLIC = process.env.PUBLIC_PATH;
const PRIVATE = process.env.PRIVATE_PATH;
const ACCENTED = process.env.ACCENTED_PATH;

// ------------------------------------------------------------------ image headers

/** The format, width and height an image's bytes declare: PNG IHDR, JPEG SOFn, WebP VP8/VP8L/VP8X, AVIF ispe. */
export function imageSize(bytes) {
  const b = Buffer.from(bytes);
  if (b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
    assert.equal(b.toString('latin1', 12, 16), 'IHDR');
    return { format: 'png', width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
  }
  if (b[0] === 0xff && b[1] === 0xd8) return jpegSize(b);
  if (b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') return webpSize(b);
  if (b.toString('latin1', 4, 8) === 'ftyp' && b.toString('latin1', 8, 12).startsWith('avi')) {
    const at = b.indexOf('ispe', 0, 'latin1');
    assert.ok(at > 0, 'AVIF without an ispe box');
    return { format: 'avif', width: b.readUInt32BE(at + 8), height: b.readUInt32BE(at + 12) };
  }
  throw new Error(`not an image I know: ${b.subarray(0, 16).toString('hex')}`);
}

function jpegSize(b) {
  let at = 2;
  while (at + 9 < b.length) {
    assert.equal(b[at], 0xff, `JPEG marker expected at ${at}`);
    const marker = b[at + 1];
    if (marker === 0xff) { at += 1; continue; } // fill byte
    const length = b.readUInt16BE(at + 2);
    const isFrame = marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker);
    if (isFrame) return { format: 'jpeg', width: b.readUInt16BE(at + 7), height: b.readUInt16BE(at + 5) };
    at += 2 + length;
  }
  throw new Error('JPEG without a frame header');
}

function webpSize(b) {
  const chunk = b.toString('latin1', 12, 16);
  if (chunk === 'VP8 ') {
    assert.ok(b[23] === 0x9d && b[24] === 0x01 && b[25] === 0x2a, 'VP8 start code');
    return { format: 'webp', width: b.readUInt16LE(26) & 0x3fff, height: b.readUInt16LE(28) & 0x3fff };
  }
  if (chunk === 'VP8L') {
    assert.equal(b[20], 0x2f, 'VP8L signature');
    const bits = b.readUInt32LE(21);
    return { format: 'webp', width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X') return { format: 'webp', width: b.readUIntLE(24, 3) + 1, height: b.readUIntLE(27, 3) + 1 };
  throw new Error(`unknown WebP chunk ${chunk}`);
}

// ------------------------------------------------------------------ helpers

async function fetchImage(url, headers = {}) {
  const answer = await fetch(url, { headers });
  const body = Buffer.from(await answer.arrayBuffer());
  assert.equal(answer.status, 200, `${url} -> ${answer.status} ${body.toString('utf8', 0, 300)}`);
  return { contentType: answer.headers.get('content-type'), ...imageSize(body) };
}

const build = (src, transformation, options = {}) => client.helper.buildSrc({ src, urlEndpoint, transformation, ...options });

// ------------------------------------------------------------------ cases

test('the header parser reads the sizes of known images', () => {
  // A 1x1 PNG and a 1x1 lossless WebP, so that a wrong parser cannot make the cases below pass.
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64');
  assert.deepEqual(imageSize(png), { format: 'png', width: 1, height: 1 });
  const webp = Buffer.from('UklGRhwAAABXRUJQVlA4TA8AAAAvAAAAAAcQ/Y/+ByKi/wEA', 'base64');
  assert.deepEqual(imageSize(webp), { format: 'webp', width: 1, height: 1 });
});

test('a path transformation is served at the asked size', async () => {
  const url = build(PUBLIC, [{ width: 300 }], { transformationPosition: 'path' });
  assert.ok(url.startsWith(`${urlEndpoint}/tr:w-300/`), url);
  assert.deepEqual(await fetchImage(url), { contentType: 'image/png', format: 'png', width: 300, height: 200 });
});

test('a query transformation (the SDK default) is served at the asked size', async () => {
  const url = build(PUBLIC, [{ width: 300, height: 300 }]);
  assert.ok(url.endsWith('?tr=w-300,h-300'), url);
  assert.deepEqual(await fetchImage(url), { contentType: 'image/png', format: 'png', width: 300, height: 300 });
});

test('chained steps apply in order: resize then rotate', async () => {
  for (const transformationPosition of ['path', 'query']) {
    const url = build(PUBLIC, [{ width: 300 }, { rotation: 90 }], { transformationPosition });
    assert.ok(url.includes('w-300:rt-90'), url);
    assert.deepEqual(await fetchImage(url), { contentType: 'image/png', format: 'png', width: 200, height: 300 });
  }
});

test('formats: webp and jpg are encoded as asked', async () => {
  const cases = [
    ['webp', 'image/webp', 'webp'],
    ['jpg', 'image/jpeg', 'jpeg'],
  ];
  for (const [format, contentType, decoded] of cases) {
    const url = build(PUBLIC, [{ width: 300, format }]);
    assert.deepEqual(await fetchImage(url), { contentType, format: decoded, width: 300, height: 200 });
  }
});

test('f-auto picks webp or avif for a browser Accept header', async () => {
  const url = build(PUBLIC, [{ width: 120, format: 'auto' }]);
  const got = await fetchImage(url, { Accept: 'image/avif,image/webp,*/*' });
  assert.ok(['image/avif', 'image/webp'].includes(got.contentType), got.contentType);
  assert.deepEqual([got.width, got.height], [120, 80]);
});

test('a private file: unsigned is 401, signed by the SDK is served', async () => {
  const unsigned = build(PRIVATE, [{ width: 300 }], { transformationPosition: 'path' });
  assert.equal((await fetch(unsigned)).status, 401);
  const original = client.helper.buildSrc({ src: PRIVATE, urlEndpoint, signed: true });
  assert.match(original, /\?ik-s=[0-9a-f]{40}$/);
  assert.deepEqual(await fetchImage(original), { contentType: 'image/png', format: 'png', width: 600, height: 400 });
  for (const transformationPosition of ['path', 'query']) {
    const url = build(PRIVATE, [{ width: 300 }, { rotation: 90 }], { transformationPosition, signed: true });
    assert.deepEqual(await fetchImage(url), { contentType: 'image/png', format: 'png', width: 200, height: 300 });
  }
});

test('an expiring signature (ik-t) from the SDK is served, and tampering with it is 401', async () => {
  const url = build(PRIVATE, [{ width: 150 }], { expiresIn: 300 });
  assert.match(url, /\?tr=w-150&ik-t=\d+&ik-s=[0-9a-f]{40}$/);
  assert.deepEqual(await fetchImage(url), { contentType: 'image/png', format: 'png', width: 150, height: 100 });
  const later = url.replace(/ik-t=(\d+)/, (_, t) => `ik-t=${Number(t) + 60}`);
  assert.equal((await fetch(later)).status, 401);
  assert.equal((await fetch(url.replace('tr=w-150', 'tr=w-151'))).status, 401);
});

test('a non-ASCII path encoded and signed by the SDK (WHATWG URL) is served', async () => {
  const url = client.helper.buildSrc({ src: ACCENTED, urlEndpoint, signed: true });
  assert.ok(!/[^\x21-\x7e]/.test(url), `the SDK percent-encodes the path: ${url}`);
  assert.deepEqual(await fetchImage(url), { contentType: 'image/png', format: 'png', width: 600, height: 400 });
  const transformed = build(ACCENTED, [{ width: 300 }], { transformationPosition: 'path', signed: true });
  assert.deepEqual(await fetchImage(transformed), { contentType: 'image/png', format: 'png', width: 300, height: 200 });
  assert.equal((await fetch(client.helper.buildSrc({ src: ACCENTED, urlEndpoint }))).status, 401);
});
