/**
 * ObjectStore over one S3 bucket (one bucket per zone, docs/architecture.md "The chain and its two runtimes").
 * Large bodies stream in with multipart upload (`@aws-sdk/lib-storage`);
 * `putIfAbsent` is an S3 conditional write (`If-None-Match: *`).
 */
import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { NotFoundError, TerminalError } from '../../core/errors';
import type { Zone } from '../../definition/zones';
import type { ObjectInfo, ObjectStore } from '../../core/ports';
import { awsCall, awsErrorName, awsHttpStatus, classifyAwsError } from './classify-aws-error';

/** Multipart tuning for {@link S3ObjectStore.putStream}. */
export interface S3UploadOptions {
  /** Part size in bytes (S3 minimum 5 MiB). Default 8 MiB; smaller bodies go up in one PutObject. */
  partSize?: number;
  /** Parts uploaded in parallel. Default 4. */
  queueSize?: number;
}

/** True for the SDK errors S3 returns for a missing key (GetObject: NoSuchKey, HeadObject: NotFound / 404). */
export function isS3NotFound(error: unknown): boolean {
  const name = awsErrorName(error);
  return name === 'NoSuchKey' || name === 'NotFound' || awsHttpStatus(error) === 404;
}

/** True for a failed S3 precondition (`If-None-Match` / `If-Match`): HTTP 412 PreconditionFailed. */
export function isS3PreconditionFailed(error: unknown): boolean {
  return awsErrorName(error) === 'PreconditionFailed' || awsHttpStatus(error) === 412;
}

/** Reads a body (an SDK stream with `transformToByteArray`, a Node Readable, bytes or a string) into a Buffer. */
export async function readBody(body: unknown): Promise<Buffer> {
  if (!body) return Buffer.alloc(0);
  if (typeof body === 'string' || body instanceof Uint8Array) return Buffer.from(body);
  const withTransform = body as { transformToByteArray?: () => Promise<Uint8Array> };
  if (typeof withTransform.transformToByteArray === 'function') {
    return Buffer.from(await withTransform.transformToByteArray());
  }
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer | string>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

function checkKey(key: string): string {
  if (!key || key.startsWith('/') || key.split('/').some((p) => p === '..' || p === '.' || p === '')) {
    throw new TerminalError(`bad object key: ${JSON.stringify(key)}`);
  }
  return key;
}

/** ObjectStore over one zone's S3 bucket; keys are relative to the bucket. */
export class S3ObjectStore implements ObjectStore {
  /**
   * @param zone   the zone this bucket holds
   * @param client an S3 client (built once per Lambda container by the handler)
   * @param bucket bucket name
   */
  constructor(
    readonly zone: Zone,
    private readonly client: S3Client,
    readonly bucket: string,
    private readonly upload: S3UploadOptions = {},
  ) {}

  private where(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }

  /** PutObject. Throws TransientError / TerminalError (classified SDK errors). */
  async put(key: string, body: Buffer | string): Promise<void> {
    await awsCall(`s3 PutObject ${this.where(key)}`, () =>
      this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: checkKey(key), Body: body })),
    );
  }

  /**
   * Streams `body` to `key`: one PutObject when it fits in one part, else a
   * multipart upload (parts of `partSize`, `queueSize` in parallel; parts are
   * aborted on failure). Resolves when the object is complete and visible.
   */
  async putStream(key: string, body: Readable): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: checkKey(key), Body: body },
      partSize: this.upload.partSize ?? 8 * 1024 * 1024,
      queueSize: this.upload.queueSize ?? 4,
      leavePartsOnError: false,
    });
    await awsCall(`s3 upload ${this.where(key)}`, () => upload.done());
  }

  /**
   * PutObject with `If-None-Match: *`. Returns false when the key already
   * exists (S3 answers 412 PreconditionFailed). A 409 ConditionalRequestConflict
   * (a concurrent conditional write in flight) is a TransientError.
   */
  async putIfAbsent(key: string, body: Buffer | string): Promise<boolean> {
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: checkKey(key), Body: body, IfNoneMatch: '*' }));
      return true;
    } catch (error) {
      if (isS3PreconditionFailed(error)) return false;
      throw classifyAwsError(error, `s3 PutObject If-None-Match ${this.where(key)}`);
    }
  }

  /** GetObject into a Buffer; NotFoundError when the key is absent. */
  async get(key: string): Promise<Buffer> {
    return readBody(await this.getBody(key));
  }

  /** GetObject as a Node stream; NotFoundError when the key is absent. */
  async getStream(key: string): Promise<Readable> {
    return (await this.getBody(key)) as Readable;
  }

  private async getBody(key: string): Promise<unknown> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: checkKey(key) }));
      return out.Body;
    } catch (error) {
      if (isS3NotFound(error)) throw new NotFoundError(`no object ${this.where(key)}`, { cause: error });
      throw classifyAwsError(error, `s3 GetObject ${this.where(key)}`);
    }
  }

  /** ListObjectsV2 over every page (ContinuationToken), sorted by key. */
  async list(prefix: string): Promise<ObjectInfo[]> {
    const out: ObjectInfo[] = [];
    let token: string | undefined;
    do {
      const page = await awsCall(`s3 ListObjectsV2 ${this.where(prefix)}`, () =>
        this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token })),
      );
      for (const o of page.Contents ?? []) {
        if (o.Key === undefined) continue;
        out.push({ key: o.Key, size: o.Size ?? 0, modified: o.LastModified ?? new Date(0) });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** HeadObject: true when the key exists, false on 404. */
  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: checkKey(key) }));
      return true;
    } catch (error) {
      if (isS3NotFound(error)) return false;
      throw classifyAwsError(error, `s3 HeadObject ${this.where(key)}`);
    }
  }

  /** DeleteObject (S3 succeeds for a missing key too). */
  async delete(key: string): Promise<void> {
    await awsCall(`s3 DeleteObject ${this.where(key)}`, () =>
      this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: checkKey(key) })),
    );
  }

  /**
   * Deletes every object under `prefix` (which must end with `/`) with
   * DeleteObjects, 1,000 keys per request (the S3 limit). Returns how many were
   * deleted. Throws TerminalError when S3 reports per-key errors.
   */
  async deletePrefix(prefix: string): Promise<number> {
    if (!prefix.endsWith('/')) throw new TerminalError(`deletePrefix needs a folder prefix ending in '/': ${prefix}`);
    const keys = (await this.list(prefix)).map((o) => o.key);
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      const out = await awsCall(`s3 DeleteObjects ${this.where(prefix)}`, () =>
        this.client.send(
          new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
        ),
      );
      if (out.Errors && out.Errors.length > 0) {
        const first = out.Errors[0];
        throw new TerminalError(
          `s3 DeleteObjects ${this.where(prefix)}: ${out.Errors.length} failed, first ${first.Key}: ${first.Code} ${first.Message}`,
        );
      }
    }
    return keys.length;
  }

  /** `s3://<bucket>/<key>`: the address Athena, Glue and Redshift COPY read. */
  uri(key: string): string {
    return this.where(key);
  }
}
