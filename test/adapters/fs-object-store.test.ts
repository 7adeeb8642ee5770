import { Readable } from 'node:stream';
import { NotFoundError } from '../../jobs/lib/core/errors';
import { FsObjectStore } from '../../jobs/lib/adapters/fs/fs-object-store';
import { tempDirs } from '../support/temp-dirs';

const tempDir = tempDirs();

describe('FsObjectStore', () => {
  let created: string[];
  let store: FsObjectStore;
  beforeEach(() => {
    created = [];
    store = new FsObjectStore('raw', tempDir('zone-'), (key) => {
      created.push(key);
    });
  });

  it('writes, reads, lists by prefix in key order, and reports each completed write', async () => {
    await store.put('b/run_id=1/part-00001.jsonl.gz', 'two');
    await store.putStream('b/run_id=1/part-00000.jsonl.gz', Readable.from(['o', 'ne']));
    await store.put('a/x.json', '{}');
    expect((await store.get('b/run_id=1/part-00000.jsonl.gz')).toString()).toBe('one');
    expect((await store.list('b/')).map((o) => [o.key, o.size])).toEqual([
      ['b/run_id=1/part-00000.jsonl.gz', 3],
      ['b/run_id=1/part-00001.jsonl.gz', 3],
    ]);
    expect((await store.list('')).length).toBe(3);
    expect(created).toEqual(['b/run_id=1/part-00001.jsonl.gz', 'b/run_id=1/part-00000.jsonl.gz', 'a/x.json']);
  });

  it('creates only when absent', async () => {
    expect(await store.putIfAbsent('k', 'first')).toBe(true);
    expect(await store.putIfAbsent('k', 'second')).toBe(false);
    expect((await store.get('k')).toString()).toBe('first');
    expect(created).toEqual(['k']);
  });

  it('leaves nothing behind when a stream fails', async () => {
    const failing = new Readable({
      read() {
        this.destroy(new Error('source broke'));
      },
    });
    await expect(store.putStream('x/y', failing)).rejects.toThrow('source broke');
    expect(await store.list('')).toEqual([]);
    expect(created).toEqual([]);
  });

  it('says what is missing and refuses keys that escape the zone', async () => {
    await expect(store.get('nope')).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.put('../escape', 'x')).rejects.toThrow(TypeError);
    expect(await store.exists('nope')).toBe(false);
  });
});
