/**
 * An in-memory S3 behind aws-sdk-client-mock for the handler tests: buckets
 * of objects with ETags, If-None-Match / If-Match preconditions (412 as S3
 * answers), paginated ListObjectsV2 (`pageSize` keys per page, LastModified
 * from `now` at the write; `StartAfter`), deletes, and multipart uploads (the object appears
 * only when the upload completes, as on S3; `uploads` holds the ones still
 * open). The multipart calls answer with promises: lib-storage chains `.then`
 * on `send`.
 */
import { createHash } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  type CompleteMultipartUploadCommandInput,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type PutObjectCommandInput,
  UploadPartCommand,
  type UploadPartCommandInput,
} from '@aws-sdk/client-s3';
import type { AwsStub } from 'aws-sdk-client-mock';
import { readBody } from '../../../jobs/lib/adapters/aws/s3-object-store';
import { awsError, sdkBody } from './helpers';

export interface FakeObject {
  body: Buffer;
  etag: string;
  /** When it was written (ListObjectsV2's LastModified). */
  modified: Date;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function fakeS3(s3: AwsStub<any, any, any>, pageSize = 1000, now: () => Date = () => new Date()) {
  const objects = new Map<string, FakeObject>();
  const at = (bucket: string, key: string) => `${bucket}/${key}`;
  const put = (bucket: string, key: string, body: Buffer | string) => {
    const buffer = Buffer.from(body);
    objects.set(at(bucket, key), { body: buffer, etag: `"${createHash('md5').update(buffer).digest('hex')}"`, modified: now() });
  };
  s3.on(PutObjectCommand).callsFake(async (input: PutObjectCommandInput) => {
    const body = await readBody(input.Body);
    // Check and write with no await between, so the condition is atomic as S3 evaluates it.
    const current = objects.get(at(input.Bucket!, input.Key!));
    if (input.IfNoneMatch === '*' && current) throw awsError('PreconditionFailed', 412);
    if (input.IfMatch !== undefined && current?.etag !== input.IfMatch) throw awsError('PreconditionFailed', 412);
    put(input.Bucket!, input.Key!, body);
    return { ETag: objects.get(at(input.Bucket!, input.Key!))!.etag };
  });
  s3.on(GetObjectCommand).callsFake(({ Bucket, Key }: { Bucket: string; Key: string }) => {
    const o = objects.get(at(Bucket, Key));
    if (!o) throw awsError('NoSuchKey', 404);
    return { Body: sdkBody(o.body), ETag: o.etag };
  });
  s3.on(HeadObjectCommand).callsFake(({ Bucket, Key }: { Bucket: string; Key: string }) => {
    const o = objects.get(at(Bucket, Key));
    if (!o) throw awsError('NotFound', 404);
    return { ETag: o.etag, ContentLength: o.body.length };
  });
  s3.on(DeleteObjectCommand).callsFake(({ Bucket, Key }: { Bucket: string; Key: string }) => {
    objects.delete(at(Bucket, Key));
    return {};
  });
  s3.on(DeleteObjectsCommand).callsFake(({ Bucket, Delete }: { Bucket: string; Delete: { Objects: { Key: string }[] } }) => {
    for (const o of Delete.Objects) objects.delete(at(Bucket, o.Key));
    return {};
  });
  s3.on(ListObjectsV2Command).callsFake(
    ({
      Bucket,
      Prefix = '',
      ContinuationToken,
      StartAfter,
    }: {
      Bucket: string;
      Prefix?: string;
      ContinuationToken?: string;
      StartAfter?: string;
    }) => {
      // Keys in UTF-8 binary order (ASCII keys here), those after StartAfter only, as S3 lists them.
      const keys = [...objects.keys()]
        .filter((k) => k.startsWith(`${Bucket}/${Prefix}`))
        .map((k) => k.slice(Bucket.length + 1))
        .filter((k) => StartAfter === undefined || k > StartAfter)
        .sort();
      const start = ContinuationToken ? Number(ContinuationToken) : 0;
      const page = keys.slice(start, start + pageSize);
      const more = start + pageSize < keys.length;
      return {
        Contents: page.map((Key) => ({
          Key,
          Size: objects.get(at(Bucket, Key))!.body.length,
          LastModified: objects.get(at(Bucket, Key))!.modified,
        })),
        IsTruncated: more,
        ...(more ? { NextContinuationToken: String(start + pageSize) } : {}),
      };
    },
  );
  const uploads = new Map<string, { bucket: string; key: string; parts: Map<number, Buffer> }>();
  let nextUpload = 0;
  s3.on(CreateMultipartUploadCommand).callsFake(async ({ Bucket, Key }: { Bucket: string; Key: string }) => {
    const UploadId = `upload-${++nextUpload}`;
    uploads.set(UploadId, { bucket: Bucket, key: Key, parts: new Map() });
    return { Bucket, Key, UploadId };
  });
  s3.on(UploadPartCommand).callsFake(async (input: UploadPartCommandInput) => {
    const upload = uploads.get(input.UploadId!);
    if (!upload) throw awsError('NoSuchUpload', 404);
    const body = await readBody(input.Body);
    upload.parts.set(input.PartNumber!, body);
    return { ETag: `"${createHash('md5').update(body).digest('hex')}"` };
  });
  s3.on(CompleteMultipartUploadCommand).callsFake(async (input: CompleteMultipartUploadCommandInput) => {
    const upload = uploads.get(input.UploadId!);
    if (!upload) throw awsError('NoSuchUpload', 404);
    const numbers = (input.MultipartUpload?.Parts ?? []).map((p) => p.PartNumber!);
    if (numbers.some((n) => !upload.parts.has(n))) throw awsError('InvalidPart', 400);
    put(upload.bucket, upload.key, Buffer.concat(numbers.sort((a, b) => a - b).map((n) => upload.parts.get(n)!)));
    uploads.delete(input.UploadId!);
    return { Bucket: upload.bucket, Key: upload.key, ETag: objects.get(at(upload.bucket, upload.key))!.etag };
  });
  s3.on(AbortMultipartUploadCommand).callsFake(async ({ UploadId }: { UploadId: string }) => {
    uploads.delete(UploadId);
    return {};
  });
  return {
    objects,
    uploads,
    put,
    get: (bucket: string, key: string) => objects.get(at(bucket, key))?.body.toString('utf8'),
    keys: (bucket: string, prefix = '') =>
      [...objects.keys()]
        .filter((k) => k.startsWith(`${bucket}/${prefix}`))
        .map((k) => k.slice(bucket.length + 1))
        .sort(),
  };
}
