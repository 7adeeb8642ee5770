/**
 * ObjectStore over a local folder: one folder per zone under
 * `<home>/zones/<zone>/`. Writes go to a temporary file first and are renamed
 * into place, so a reader never sees a half-written object (like S3).
 * When given `onCreated`, every completed write is reported, the way S3 sends
 * "Object Created" to EventBridge.
 */
import { createReadStream, createWriteStream, type Dirent, promises as fs } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { NotFoundError } from '../../core/errors';
import type { Zone } from '../../definition/zones';
import type { ObjectInfo, ObjectStore } from '../../core/ports';
import { isInProgressWrite } from '../../definition/object-keys';
import { tempPathFor } from './temp-path';

/** True for the errors of a path that leads to no file: ENOENT, or ENOTDIR when a file stands where a folder of the path should be. */
function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

export class FsObjectStore implements ObjectStore {
  /**
   * @param zone   the zone this folder holds
   * @param root   absolute folder path
   * @param onCreated called with the key after each completed write
   */
  constructor(
    readonly zone: Zone,
    readonly root: string,
    private readonly onCreated?: (key: string, size: number) => void | Promise<void>,
  ) {}

  /** The file of `key`. @throws TypeError for a key that is empty, absolute or has an empty, `.` or `..` segment. */
  private path(key: string): string {
    if (!key || key.startsWith('/') || key.split('/').some((p) => p === '..' || p === '.' || p === '')) {
      throw new TypeError(`bad object key: ${JSON.stringify(key)}`);
    }
    return join(this.root, ...key.split('/'));
  }

  private async created(key: string, size: number): Promise<void> {
    if (this.onCreated) await this.onCreated(key, size);
  }

  async put(key: string, body: Buffer | string): Promise<void> {
    const target = this.path(key);
    await fs.mkdir(dirname(target), { recursive: true });
    const tmp = tempPathFor(target);
    await fs.writeFile(tmp, body);
    await fs.rename(tmp, target);
    await this.created(key, Buffer.byteLength(body));
  }

  async putStream(key: string, body: Readable): Promise<void> {
    const target = this.path(key);
    await fs.mkdir(dirname(target), { recursive: true });
    const tmp = tempPathFor(target);
    try {
      await pipeline(body, createWriteStream(tmp));
      await fs.rename(tmp, target);
    } catch (error) {
      await fs.rm(tmp, { force: true });
      throw error;
    }
    const { size } = await fs.stat(target);
    await this.created(key, size);
  }

  async putIfAbsent(key: string, body: Buffer | string): Promise<boolean> {
    const target = this.path(key);
    await fs.mkdir(dirname(target), { recursive: true });
    const tmp = tempPathFor(target);
    await fs.writeFile(tmp, body);
    try {
      // link() fails with EEXIST when the target exists: an atomic create-if-absent.
      await fs.link(tmp, target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    } finally {
      await fs.rm(tmp, { force: true });
    }
    await this.created(key, Buffer.byteLength(body));
    return true;
  }

  /** Reads the whole object; NotFoundError when no file is at `key` (a folder is not an object). */
  async get(key: string): Promise<Buffer> {
    const path = this.path(key);
    try {
      return await fs.readFile(path);
    } catch (error) {
      if (isMissing(error) || (error as NodeJS.ErrnoException).code === 'EISDIR') {
        throw new NotFoundError(`no object ${this.zone}/${key}`, { cause: error });
      }
      throw error;
    }
  }

  async getStream(key: string): Promise<Readable> {
    const path = this.path(key);
    if (!(await this.exists(key))) throw new NotFoundError(`no object ${this.zone}/${key}`);
    return createReadStream(path);
  }

  /**
   * Objects whose key starts with `prefix`, sorted by key. A prefix whose
   * folder part could not begin a valid key (absolute, or with an empty, `.`
   * or `..` segment) matches nothing, as on S3: the walk never leaves the zone.
   */
  async list(prefix: string): Promise<ObjectInfo[]> {
    // Walk only the folder the prefix points into.
    const slash = prefix.lastIndexOf('/');
    if (
      slash >= 0 &&
      prefix
        .slice(0, slash)
        .split('/')
        .some((p) => p === '' || p === '.' || p === '..')
    )
      return [];
    const startDir = slash >= 0 ? join(this.root, ...prefix.slice(0, slash).split('/').filter(Boolean)) : this.root;
    const out: ObjectInfo[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries: Dirent[];
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
      for (const entry of entries) {
        const full = join(dir, entry.name);
        if (entry.isDirectory()) {
          await walk(full);
        } else if (entry.isFile() && !isInProgressWrite(entry.name)) {
          const key = relative(this.root, full).split(sep).join('/');
          if (!key.startsWith(prefix)) continue;
          const stat = await fs.stat(full);
          out.push({ key, size: stat.size, modified: stat.mtime });
        }
      }
    };
    await walk(startDir);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** True when a file is at `key` (a folder is not an object). Throws TypeError for a bad key. */
  async exists(key: string): Promise<boolean> {
    const path = this.path(key);
    try {
      return (await fs.stat(path)).isFile();
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  /** Removes the file at `key`; nothing happens when there is none (or only a folder), as on S3. */
  async delete(key: string): Promise<void> {
    const path = this.path(key);
    try {
      await fs.unlink(path);
    } catch (error) {
      if (isMissing(error)) return;
      // unlink on a folder: EISDIR on Linux, EPERM on macOS.
      if (['EISDIR', 'EPERM'].includes((error as NodeJS.ErrnoException).code ?? '') && (await fs.stat(path)).isDirectory())
        return;
      throw error;
    }
  }

  uri(key: string): string {
    return this.path(key);
  }
}
