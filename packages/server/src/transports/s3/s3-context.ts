import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ArtifactStore, Principal } from '@loam/core';
import type { VerifiedRequest } from '../../auth/sigv4/sigv4-verify.js';
import type { MultipartUploads } from './s3-multipart.js';
import type { S3Target } from './s3-request.js';

/** Everything an S3 action handler gets: the verified request, what it addresses, the stores. */
export interface S3Context {
  readonly req: FastifyRequest;
  readonly reply: FastifyReply;
  readonly target: S3Target;
  readonly verified: VerifiedRequest;
  readonly principal: Principal;
  readonly store: ArtifactStore;
  readonly uploads: MultipartUploads;
  readonly region: string;
  /** How long a client may take no byte of an object's body before its answer is cut off (http/store-body.ts). */
  readonly stalledClientMs?: number;
  /** Checks one more IAM action (CopyObject's source, each key of DeleteObjects). */
  readonly authorize: (action: string, resource: string) => Promise<void>;
}

/** A bucket-and-key request: the handler may rely on both. */
export type S3ObjectContext = S3Context & { readonly target: S3Target & { readonly bucket: string; readonly key: string } };
export type S3BucketContext = S3Context & { readonly target: S3Target & { readonly bucket: string } };

/** `Last-Modified` / `Date` form. */
export const httpDate = (ms: number) => new Date(ms).toUTCString();
/** XML timestamps: ISO 8601 with milliseconds, as S3 writes them. */
export const isoDate = (ms: number) => new Date(ms).toISOString();

export function sendXml(reply: FastifyReply, xml: string, status = 200): FastifyReply {
  return reply.code(status).type('application/xml').send(xml);
}
