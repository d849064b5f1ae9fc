// URL and client-side (signed) uploads with the official Node SDK (@imagekit/nodejs), unchanged but for its base
// URL, against `medialib local start-api --allow-loopback-urls`. Run by tests/e2e/test_upload_url_and_signed.py
// with BASE_URL, PRIVATE_KEY, PUBLIC_KEY, PICTURE_URL (a 33x21 PNG on a loopback server) and PICTURE_SIZE.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';

import ImageKit, { toFile } from '@imagekit/nodejs';

const baseURL = process.env.BASE_URL;
const backend = new ImageKit({ privateKey: process.env.PRIVATE_KEY, baseURL });
const size = Number(process.env.PICTURE_SIZE);

test('a URL string as file: the server fetches it and stores the picture', async () => {
  // Given a PNG served on 127.0.0.1, When its URL is the upload's file
  const folder = `/node-url-${randomUUID().slice(0, 8)}`;
  const answer = await backend.files.upload({ file: process.env.PICTURE_URL, fileName: 'fetched.png', folder });
  // Then the answer (the SDK's own type) describes the fetched PNG, and so does the stored file
  assert.deepEqual([answer.width, answer.height, answer.size, answer.fileType], [33, 21, size, 'image']);
  assert.ok(answer.filePath.startsWith(`${folder}/fetched`));
  const stored = await backend.files.get(answer.fileId);
  assert.deepEqual([stored.width, stored.height, stored.size, stored.mime], [33, 21, size, 'image/png']);
});

test('a client-side signed upload without Authorization works once, then TOKEN_REUSED', async () => {
  // Given token, expire and signature from a backend, and a "browser" client that records what it sends
  const { token, expire, signature } = backend.helper.getAuthenticationParameters();
  const sent = [];
  const browser = new ImageKit({
    privateKey: 'private_key_a_browser_never_has',
    baseURL,
    maxRetries: 0,
    fetch: (url, init) => {
      sent.push(new Headers(init.headers));
      return fetch(url, init);
    },
  });
  const png = Buffer.from(await (await fetch(process.env.PICTURE_URL)).arrayBuffer());
  const upload = async (name) =>
    browser.files.upload(
      { file: await toFile(png, name), fileName: name, publicKey: process.env.PUBLIC_KEY, token, expire, signature },
      { headers: { Authorization: null } },
    );
  // When it uploads with the public key and the three values
  const answer = await upload('signed.png');
  // Then 200 in the SDK's type, and no Authorization header went out
  assert.deepEqual([answer.width, answer.height, answer.size], [33, 21, size]);
  assert.equal(answer.versionInfo.id, answer.fileId);
  assert.equal(sent[0].get('authorization'), null);
  // When the same token is sent again, Then 400 TOKEN_REUSED, raised once (not retried)
  await assert.rejects(upload('replayed.png'), (err) => {
    assert.ok(err instanceof ImageKit.BadRequestError);
    assert.equal(err.status, 400);
    assert.equal(err.error.reason, 'TOKEN_REUSED');
    return true;
  });
  assert.equal(sent.length, 2);
});
