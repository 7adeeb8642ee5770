import { Readable } from 'node:stream';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { NotFoundError, TerminalError, TransientError } from '../../../jobs/lib/core/errors';
import { S3ObjectStore } from '../../../jobs/lib/adapters/aws/s3-object-store';
import { awsError, sdkBody } from './helpers';

const s3 = mockClient(S3Client);
const store = () =>
  new S3ObjectStore('raw', new S3Client({ region: 'eu-west-2' }), 'lake-raw', { partSize: 5 * 1024 * 1024, queueSize: 2 });

beforeEach(() => s3.reset());

describe('S3ObjectStore', () => {
  it('puts a whole object to the zone bucket', async () => {
    s3.on(PutObjectCommand).resolves({});
    await store().put('_manifests/20250225t132609z.json', '{"a":1}');
    const calls = s3.commandCalls(PutObjectCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0].args[0].input).toEqual({ Bucket: 'lake-raw', Key: '_manifests/20250225t132609z.json', Body: '{"a":1}' });
  });

  it('streams a small body with one PutObject and a large one as a multipart upload', async () => {
    s3.on(PutObjectCommand).resolves({ ETag: '"e"' });
    await store().putStream('sales_order/run_id=20250225t132609z/part-00000.jsonl.gz', Readable.from([Buffer.from('small')]));
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(1);
    expect(s3.commandCalls(CreateMultipartUploadCommand)).toHaveLength(0);

    s3.reset();
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'up-1' });
    s3.on(UploadPartCommand).callsFake((input) => ({ ETag: `"part-${input.PartNumber}"` }));
    s3.on(CompleteMultipartUploadCommand).resolves({ Location: 'x' });
    const mib = 1024 * 1024;
    const chunks = Array.from({ length: 11 }, (_, i) => Buffer.alloc(mib, i));
    await store().putStream('sales_order/run_id=20250225t132609z/part-00001.jsonl.gz', Readable.from(chunks));
    expect(s3.commandCalls(CreateMultipartUploadCommand)[0].args[0].input).toMatchObject({
      Bucket: 'lake-raw',
      Key: 'sales_order/run_id=20250225t132609z/part-00001.jsonl.gz',
    });
    const parts = s3.commandCalls(UploadPartCommand).map((c) => c.args[0].input);
    expect(parts.map((p) => p.PartNumber).sort()).toEqual([1, 2, 3]);
    const complete = s3.commandCalls(CompleteMultipartUploadCommand)[0].args[0].input;
    expect(complete.UploadId).toBe('up-1');
    expect(complete.MultipartUpload?.Parts?.map((p) => p.ETag)).toEqual(['"part-1"', '"part-2"', '"part-3"']);
  });

  it('putIfAbsent sends If-None-Match: * and maps 412 to false', async () => {
    s3.on(PutObjectCommand).resolvesOnce({}).rejectsOnce(awsError('PreconditionFailed', 412));
    expect(await store().putIfAbsent('_manifests/r.json', 'x')).toBe(true);
    expect(await store().putIfAbsent('_manifests/r.json', 'x')).toBe(false);
    expect(s3.commandCalls(PutObjectCommand)[0].args[0].input.IfNoneMatch).toBe('*');
  });

  it('putIfAbsent makes a 409 ConditionalRequestConflict transient', async () => {
    s3.on(PutObjectCommand).rejects(awsError('ConditionalRequestConflict', 409));
    await expect(store().putIfAbsent('_manifests/r.json', 'x')).rejects.toBeInstanceOf(TransientError);
  });

  it('gets an object, and maps NoSuchKey to NotFoundError', async () => {
    s3.on(GetObjectCommand, { Key: 'a/b.json' }).resolves({ Body: sdkBody('hello') as never });
    s3.on(GetObjectCommand, { Key: 'a/missing.json' }).rejects(awsError('NoSuchKey', 404));
    expect((await store().get('a/b.json')).toString()).toBe('hello');
    await expect(store().get('a/missing.json')).rejects.toBeInstanceOf(NotFoundError);
    const stream = await store().getStream('a/b.json');
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(Buffer.from(c));
    expect(Buffer.concat(chunks).toString()).toBe('hello');
  });

  it('lists every page, sorted by key', async () => {
    const at = new Date('2025-02-25T13:26:09Z');
    s3.on(ListObjectsV2Command)
      .resolvesOnce({ IsTruncated: true, NextContinuationToken: 't1', Contents: [{ Key: 'x/2', Size: 2, LastModified: at }] })
      .resolvesOnce({ IsTruncated: false, Contents: [{ Key: 'x/1', Size: 1, LastModified: at }] });
    const listed = await store().list('x/');
    expect(listed).toEqual([
      { key: 'x/1', size: 1, modified: at },
      { key: 'x/2', size: 2, modified: at },
    ]);
    const inputs = s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input);
    expect(inputs).toEqual([
      { Bucket: 'lake-raw', Prefix: 'x/', ContinuationToken: undefined },
      { Bucket: 'lake-raw', Prefix: 'x/', ContinuationToken: 't1' },
    ]);
  });

  it('exists maps 404 to false and other failures to classified errors', async () => {
    s3.on(HeadObjectCommand, { Key: 'here' }).resolves({});
    s3.on(HeadObjectCommand, { Key: 'gone' }).rejects(awsError('NotFound', 404));
    s3.on(HeadObjectCommand, { Key: 'denied' }).rejects(awsError('Forbidden', 403));
    s3.on(HeadObjectCommand, { Key: 'slow' }).rejects(awsError('SlowDown', 503));
    expect(await store().exists('here')).toBe(true);
    expect(await store().exists('gone')).toBe(false);
    await expect(store().exists('denied')).rejects.toBeInstanceOf(TerminalError);
    await expect(store().exists('slow')).rejects.toBeInstanceOf(TransientError);
  });

  it('deletes a folder in batches of 1,000 keys and reports per-key failures', async () => {
    const contents = Array.from({ length: 1500 }, (_, i) => ({ Key: `t/run_id=r/part-${String(i).padStart(5, '0')}`, Size: 1 }));
    s3.on(ListObjectsV2Command).resolves({ Contents: contents });
    s3.on(DeleteObjectsCommand).resolves({});
    expect(await store().deletePrefix('t/run_id=r/')).toBe(1500);
    const batches = s3.commandCalls(DeleteObjectsCommand).map((c) => c.args[0].input.Delete?.Objects?.length);
    expect(batches).toEqual([1000, 500]);

    s3.on(DeleteObjectsCommand).resolves({ Errors: [{ Key: 'k', Code: 'AccessDenied', Message: 'no' }] });
    await expect(store().deletePrefix('t/run_id=r/')).rejects.toThrow(/AccessDenied/);
    await expect(store().deletePrefix('t/run_id=r')).rejects.toBeInstanceOf(TerminalError);
  });

  it('rejects unsafe keys before calling S3 and gives s3:// URIs', async () => {
    await expect(store().put('../etc/passwd', 'x')).rejects.toBeInstanceOf(TerminalError);
    await expect(store().put('/abs', 'x')).rejects.toBeInstanceOf(TerminalError);
    expect(s3.calls()).toHaveLength(0);
    expect(store().uri('sales_order/run_id=r/')).toBe('s3://lake-raw/sales_order/run_id=r/');
  });
});
