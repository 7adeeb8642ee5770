import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { PgClient } from '../../jobs/lib/adapters/postgres/pg-client';
import { openPglite } from '../../jobs/lib/adapters/postgres/pglite-client';
import { copyPristineImage, ensurePristineImage } from '../../jobs/lib/adapters/postgres/pglite-image';

/** Making an image runs PGlite's initdb in a child process: seconds, more on a busy machine. */
const MAKING_MS = 180_000;

/** The system identifier pg_control starts with (a uint64; WebAssembly is little-endian), as decimal text. */
function controlSystemId(dataDir: string): string {
  return readFileSync(join(dataDir, 'global', 'pg_control'))
    .readBigUInt64LE(0)
    .toString();
}

async function systemId(db: PgClient): Promise<string> {
  const [row] = await db.query<{ id: string }>('select system_identifier::text as id from pg_control_system()');
  return row.id;
}

describe('the pristine PGlite image', () => {
  const scratch: string[] = [];
  const tempDir = (prefix: string) => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    scratch.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  });

  it(
    'new data folders are copies of it, not new initdb clusters (initdb gives each a random system identifier)',
    async () => {
      const image = await ensurePristineImage();
      if (!image) throw new Error('node_modules/.cache cannot be written here: the image cannot be tested');
      const home = tempDir('lakehouse-pglite-image-');
      const source = await openPglite({ dataDir: join(home, 'source-db') });
      const warehouse = await openPglite({ dataDir: join(home, 'warehouse-db') });
      try {
        expect(await systemId(source)).toBe(controlSystemId(image));
        expect(await systemId(warehouse)).toBe(controlSystemId(image));
        const [settings] = await source.query<{ shared_buffers: string }>(
          "select current_setting('shared_buffers') as shared_buffers",
        );
        expect(settings.shared_buffers).toBe('16MB');
        await source.exec('create table kept (id int primary key); insert into kept values (1), (2)');
      } finally {
        await source.close();
        await warehouse.close();
      }
      // Reopened, the folder is the database written above, not another copy.
      const reopened = await openPglite({ dataDir: join(home, 'source-db') });
      try {
        expect(await reopened.query('select id from kept order by id')).toEqual([{ id: 1 }, { id: 2 }]);
      } finally {
        await reopened.close();
      }
    },
    MAKING_MS,
  );

  it(
    'is named after the installed PGlite version and holds a cluster of its PostgreSQL version',
    async () => {
      const image = await ensurePristineImage();
      if (!image) throw new Error('node_modules/.cache cannot be written here: the image cannot be tested');
      const manifest = join(__dirname, '..', '..', 'node_modules', '@electric-sql', 'pglite', 'package.json');
      const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
      expect(basename(image)).toMatch(new RegExp(`^pglite-${version.replace(/\./g, '\\.')}-[0-9a-f]{12}$`));

      const db = await openPglite({ memory: true });
      try {
        const [row] = await db.query<{ major: string }>(
          "select (current_setting('server_version_num')::int / 10000)::text as major",
        );
        expect(readFileSync(join(image, 'PG_VERSION'), 'utf8').trim()).toBe(row.major);
      } finally {
        await db.close();
      }
    },
    MAKING_MS,
  );

  it(
    'is made in a child process when missing, once, and renamed into place whole; abandoned scratch folders go',
    async () => {
      const cache = tempDir('lakehouse-pglite-cache-');
      // A maker killed two hours ago left one scratch folder; another maker is at work in the second.
      mkdirSync(join(cache, '.making-killed', 'data'), { recursive: true });
      const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
      utimesSync(join(cache, '.making-killed'), twoHoursAgo, twoHoursAgo);
      mkdirSync(join(cache, '.making-at-work'));
      const [first, second] = await Promise.all([ensurePristineImage(cache), ensurePristineImage(cache)]);
      expect(first).toBeDefined();
      expect(second).toBe(first);
      const image = first as string;
      expect(existsSync(join(image, 'PG_VERSION'))).toBe(true);
      expect(readdirSync(cache).sort()).toEqual(['.making-at-work', basename(image)]); // its own scratch folder is gone too
      const made = statSync(join(image, 'PG_VERSION')).mtimeMs;
      expect(await ensurePristineImage(cache)).toBe(image);
      expect(statSync(join(image, 'PG_VERSION')).mtimeMs).toBe(made);
    },
    MAKING_MS,
  );

  it(
    'a copy cut short (no PG_VERSION yet) is copied again over what it left',
    async () => {
      const image = await ensurePristineImage();
      if (!image) throw new Error('node_modules/.cache cannot be written here: the image cannot be tested');
      const dataDir = join(tempDir('lakehouse-pglite-cut-'), 'source-db');
      copyPristineImage(image, dataDir);
      unlinkSync(join(dataDir, 'PG_VERSION'));
      writeFileSync(join(dataDir, 'global', 'pg_control'), 'half written');
      const db = await openPglite({ dataDir });
      try {
        expect(await systemId(db)).toBe(controlSystemId(image));
      } finally {
        await db.close();
      }
    },
    MAKING_MS,
  );
});
