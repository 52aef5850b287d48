import { randomUUID } from 'node:crypto';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  ListObjectsV2Command,
} from '@aws-sdk/client-s3';
import { expect } from 'vitest';
import { S3Storage, type S3StorageOptions } from './s3.js';

/**
 * Helpers of the S3 end-to-end tests: they run against the moto server of `scripts/stack`, whose
 * settings `scripts/with-stack s3 -- …` puts into the environment.
 */

/** The endpoint of the stack's S3 server; fails the test with instructions when it is not set. */
export function stackS3Endpoint(): string {
  const endpoint = process.env.S3_ENDPOINT;
  if (endpoint === undefined || endpoint === '') {
    return expect.fail(
      'S3_ENDPOINT is not set: run the e2e tests with `npm run test:e2e` (scripts/with-stack s3 -- …)',
    );
  }
  return endpoint;
}

/** A fresh bucket with a unique name on the stack's S3 server. */
export async function createTestBucket(options: S3StorageOptions = {}): Promise<string> {
  stackS3Endpoint();
  const bucket = `delta-ts-e2e-${randomUUID().slice(0, 13)}`;
  const admin = new S3Storage(bucket, '', options);
  await admin.client.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

/** Deletes every object of `bucket`, then the bucket. */
export async function deleteTestBucket(bucket: string, options: S3StorageOptions = {}): Promise<void> {
  const { client } = new S3Storage(bucket, '', options);
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const obj of page.Contents ?? []) {
      if (obj.Key !== undefined) await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: obj.Key }));
    }
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  await client.send(new DeleteBucketCommand({ Bucket: bucket }));
}
