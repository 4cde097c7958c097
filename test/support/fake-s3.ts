import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';

/**
 * An in-memory bucket behind aws-sdk-client-mock: the four S3 operations the report store uses, with
 * S3's answers (NoSuchKey, listing pages of `pageSize` keys in key order with continuation tokens).
 */
export function fakeS3(pageSize = 1000) {
  const objects = new Map<string, { body: string; contentType: string | undefined }>();
  const mock = mockClient(S3Client);
  mock.on(PutObjectCommand).callsFake((input) => {
    objects.set(`${input.Bucket}/${input.Key}`, { body: String(input.Body), contentType: input.ContentType });
    return {};
  });
  mock.on(GetObjectCommand).callsFake((input) => {
    const object = objects.get(`${input.Bucket}/${input.Key}`);
    if (!object) throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
    return { Body: { transformToString: async () => object.body } } as unknown as GetObjectCommandOutput;
  });
  mock.on(DeleteObjectCommand).callsFake((input) => {
    objects.delete(`${input.Bucket}/${input.Key}`);
    return {};
  });
  mock.on(ListObjectsV2Command).callsFake((input) => {
    const prefix = `${input.Bucket}/${input.Prefix ?? ''}`;
    const keys = [...objects.keys()].filter((k) => k.startsWith(prefix)).sort().map((k) => k.slice(`${input.Bucket}/`.length));
    const start = input.ContinuationToken ? Number(input.ContinuationToken) : 0;
    const page = keys.slice(start, start + pageSize);
    const more = start + pageSize < keys.length;
    return { Contents: page.map((Key) => ({ Key })), IsTruncated: more, ...(more ? { NextContinuationToken: String(start + pageSize) } : {}) };
  });
  return {
    mock,
    objects,
    keys: (bucket: string) => [...objects.keys()].filter((k) => k.startsWith(`${bucket}/`)).map((k) => k.slice(bucket.length + 1)).sort(),
    get: (bucket: string, key: string) => objects.get(`${bucket}/${key}`),
  };
}
