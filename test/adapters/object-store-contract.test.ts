/**
 * One ObjectStore contract (ports.ts), run against both adapters: FsObjectStore
 * on a temporary folder, and S3ObjectStore over the in-memory S3 of
 * test/unit/aws/s3-fake.ts (aws-sdk-client-mock; there is no account here).
 * Whatever a job may rely on must hold for both, so a job tested locally
 * behaves the same on AWS.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { CompleteMultipartUploadCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { S3ObjectStore } from '../../jobs/lib/adapters/aws/s3-object-store';
import { FsObjectStore } from '../../jobs/lib/adapters/fs/fs-object-store';
import { NotFoundError } from '../../jobs/lib/core/errors';
import type { ObjectStore } from '../../jobs/lib/core/ports';
import { fakeS3 } from '../unit/aws/s3-fake';

/** One adapter under test: a fresh, empty store, where its keys are addressed, and how to clean up. */
interface Subject {
  store: ObjectStore;
  /** The address `uri(key)` must give. */
  expectedUri: (key: string) => string;
  /** Checks that `uri(key)` really reaches the object's bytes. */
  readByUri: (uri: string) => Buffer | undefined;
  /** Multipart uploads left open (S3 only; always 0 locally). */
  openUploads: () => number;
  /** Multipart uploads completed (S3 only), to show a large stream did go up in parts. */
  completedMultipart?: () => number;
  /** Places a file just outside the store (locally: beside the zone folder). */
  outside: () => void;
  cleanup: () => void;
}

const MiB = 1024 * 1024;

const adapters: [string, () => Subject][] = [
  [
    'FsObjectStore',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'store-contract-'));
      const root = join(dir, 'raw');
      mkdirSync(root);
      return {
        store: new FsObjectStore('raw', root),
        expectedUri: (key) => join(root, ...key.split('/')),
        readByUri: (uri) => readFileSync(uri),
        openUploads: () => 0,
        outside: () => writeFileSync(join(dir, 'outside.txt'), 'not in the zone'),
        cleanup: () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  ],
  [
    'S3ObjectStore',
    () => {
      const mock = mockClient(S3Client);
      const lake = fakeS3(mock);
      const client = new S3Client({ region: 'eu-west-2', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
      return {
        // The smallest part S3 allows, so a stream of a few MiB goes up in several parts.
        store: new S3ObjectStore('raw', client, 'lake-raw', { partSize: 5 * MiB, queueSize: 2 }),
        expectedUri: (key) => `s3://lake-raw/${key}`,
        readByUri: (uri) => {
          const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
          return m ? lake.objects.get(`${m[1]}/${m[2]}`)?.body : undefined;
        },
        openUploads: () => lake.uploads.size,
        completedMultipart: () => mock.commandCalls(CompleteMultipartUploadCommand).length,
        outside: () => lake.put('other-bucket', 'outside.txt', 'not in the zone'),
        cleanup: () => mock.restore(),
      };
    },
  ],
];

describe.each(adapters)('ObjectStore contract: %s', (_name, make) => {
  let subject: Subject;
  let store: ObjectStore;
  beforeEach(() => {
    subject = make();
    store = subject.store;
  });
  afterEach(() => subject.cleanup());

  it('gives back exactly the bytes put, for strings, binary and empty bodies, and a second put replaces the first', async () => {
    const binary = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    await store.put('t/text.json', '{"é": "✓"}');
    await store.put('t/binary.bin', binary);
    await store.put('t/empty', '');
    expect((await store.get('t/text.json')).toString('utf8')).toBe('{"é": "✓"}');
    expect(await store.get('t/binary.bin')).toEqual(binary);
    expect(await store.get('t/empty')).toEqual(Buffer.alloc(0));
    await store.put('t/text.json', 'replaced');
    expect((await store.get('t/text.json')).toString()).toBe('replaced');
  });

  it('streams in a body of many chunks, and one larger than a part (multipart on S3), complete once putStream resolves', async () => {
    await store.putStream('s/small', Readable.from([Buffer.from('on'), Buffer.from('e '), Buffer.from('two')]));
    expect((await store.get('s/small')).toString()).toBe('one two');

    const chunk = Buffer.alloc(MiB);
    const big = Buffer.concat(Array.from({ length: 11 }, (_, i) => Buffer.from(chunk.fill(i + 1))));
    await store.putStream('s/big', Readable.from(Array.from({ length: 11 }, (_, i) => big.subarray(i * MiB, (i + 1) * MiB))));
    const back = await store.get('s/big');
    expect(back.length).toBe(11 * MiB);
    expect(back.equals(big)).toBe(true);
    expect(subject.openUploads()).toBe(0);
    if (subject.completedMultipart) expect(subject.completedMultipart()).toBe(1);
  });

  it('leaves nothing at the key when the stream fails', async () => {
    const failing = new Readable({
      read() {
        this.destroy(new Error('source broke'));
      },
    });
    await expect(store.putStream('s/broken', failing)).rejects.toThrow('source broke');
    expect(await store.exists('s/broken')).toBe(false);
    expect(await store.list('')).toEqual([]);
    expect(subject.openUploads()).toBe(0);
  });

  it('streams an object out', async () => {
    await store.put('g/x', 'streamed');
    const chunks: Buffer[] = [];
    for await (const c of await store.getStream('g/x')) chunks.push(Buffer.from(c));
    expect(Buffer.concat(chunks).toString()).toBe('streamed');
  });

  it('creates only when absent: true then false, the first body kept; true again once deleted', async () => {
    expect(await store.putIfAbsent('w/table.json', 'first')).toBe(true);
    expect(await store.putIfAbsent('w/table.json', 'second')).toBe(false);
    expect((await store.get('w/table.json')).toString()).toBe('first');
    await store.delete('w/table.json');
    expect(await store.putIfAbsent('w/table.json', 'third')).toBe(true);
    expect((await store.get('w/table.json')).toString()).toBe('third');
  });

  it('lists the objects whose key starts with the prefix (a whole folder or part of a name), sorted by key, with sizes', async () => {
    for (const key of ['tbl/run_id=2/p', 'tbl2/x', 'tbl/run_id=10/p', 'other', 'tbl/run_id=1/p', 'tbl/a b é', 'tbl/run_id=1/o']) {
      await store.put(key, key);
    }
    const keysOf = async (prefix: string) => (await store.list(prefix)).map((o) => o.key);
    expect(await keysOf('tbl/')).toEqual(['tbl/a b é', 'tbl/run_id=1/o', 'tbl/run_id=1/p', 'tbl/run_id=10/p', 'tbl/run_id=2/p']);
    expect(await keysOf('tbl/run_id=1')).toEqual(['tbl/run_id=1/o', 'tbl/run_id=1/p', 'tbl/run_id=10/p']);
    expect(await keysOf('tbl/run_id=1/')).toEqual(['tbl/run_id=1/o', 'tbl/run_id=1/p']);
    expect(await keysOf('tbl')).toEqual([
      'tbl/a b é',
      'tbl/run_id=1/o',
      'tbl/run_id=1/p',
      'tbl/run_id=10/p',
      'tbl/run_id=2/p',
      'tbl2/x',
    ]);
    expect(await keysOf('')).toHaveLength(7);
    expect(await keysOf('none/')).toEqual([]);
    const [info] = await store.list('tbl/a b');
    expect(info).toMatchObject({ key: 'tbl/a b é', size: Buffer.byteLength('tbl/a b é') });
    // A Date (possibly of another realm under jest, so not checked with instanceof).
    expect(Number.isFinite(info.modified.getTime())).toBe(true);
  });

  it('tells whether an object exists; a folder-like prefix of a key is not an object', async () => {
    await store.put('e/run_id=1/part', 'x');
    expect(await store.exists('e/run_id=1/part')).toBe(true);
    expect(await store.exists('e/run_id=1/missing')).toBe(false);
    expect(await store.exists('e/run_id=1')).toBe(false);
    expect(await store.exists('e')).toBe(false);
  });

  it('deletes an object; deleting a missing key or a folder-like prefix succeeds and removes nothing else', async () => {
    await store.put('d/run_id=1/a', 'a');
    await store.put('d/run_id=1/b', 'b');
    await store.delete('d/run_id=1/a');
    expect(await store.exists('d/run_id=1/a')).toBe(false);
    expect((await store.list('d/')).map((o) => o.key)).toEqual(['d/run_id=1/b']);
    await expect(store.delete('d/run_id=1/a')).resolves.toBeUndefined();
    await expect(store.delete('d/run_id=1')).resolves.toBeUndefined();
    expect((await store.get('d/run_id=1/b')).toString()).toBe('b');
  });

  it('throws NotFoundError for a missing key, also when it names a folder-like prefix', async () => {
    await store.put('n/run_id=1/part', 'x');
    await expect(store.get('n/missing')).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.getStream('n/missing')).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.get('n/run_id=1')).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.getStream('n/run_id=1')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('addresses an object by uri the way engines read it', async () => {
    await store.put('u/run_id=1/part-00000.jsonl.gz', 'by uri');
    const uri = store.uri('u/run_id=1/part-00000.jsonl.gz');
    expect(uri).toBe(subject.expectedUri('u/run_id=1/part-00000.jsonl.gz'));
    expect(subject.readByUri(uri)?.toString()).toBe('by uri');
  });

  it('refuses keys that are empty, absolute or have empty, . or .. segments, and lists nothing outside the store', async () => {
    for (const key of ['', '/abs', '../escape', 'a/../b', 'a//b', 'a/./b', 'a/']) {
      await expect(store.put(key, 'x')).rejects.toThrow(/bad object key/);
      await expect(store.putIfAbsent(key, 'x')).rejects.toThrow(/bad object key/);
      await expect(store.get(key)).rejects.toThrow(/bad object key/);
      await expect(store.exists(key)).rejects.toThrow(/bad object key/);
      await expect(store.delete(key)).rejects.toThrow(/bad object key/);
    }
    subject.outside();
    expect(await store.list('../')).toEqual([]);
    expect(await store.list('/')).toEqual([]);
    expect(await store.list('')).toEqual([]);
  });
});
