import { LoamApiError } from '@loam/sdk';
import { readCookie } from '../../api/cookies.js';

export interface UploadProgress {
  readonly sent: number;
  readonly total: number;
}

/**
 * Streams a file to `POST /api/v1/datasets/{name}/upload` with XMLHttpRequest, which (unlike fetch)
 * reports upload progress. Resolves with the new version; rejects with the server's problem as a
 * {@link LoamApiError} so Studio shows it like any other API error. `CreateDataset: 'true'` has the
 * server create a missing dataset together with this first version (nothing is created if it fails).
 */
export function uploadDatasetFile(
  name: string, file: File, onProgress: (p: UploadProgress) => void, signal?: AbortSignal,
  hints: { readonly Encoding?: string; readonly CreateDataset?: 'true' } = {},
): Promise<Record<string, unknown>> {
  const query = Object.entries({ FileName: file.name, ...hints }).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/v1/datasets/${encodeURIComponent(name)}/upload?${query}`);
    xhr.withCredentials = true;
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    xhr.setRequestHeader('accept', 'application/json');
    const csrf = readCookie('loam_csrf');
    if (csrf) xhr.setRequestHeader('x-csrf-token', csrf);
    xhr.upload.onprogress = (e) => onProgress({ sent: e.loaded, total: e.lengthComputable ? e.total : file.size });
    xhr.onload = () => {
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(xhr.responseText) as Record<string, unknown>;
      } catch {
        // not JSON: reported below by status
      }
      if (xhr.status >= 200 && xhr.status < 300) return resolve(body);
      const code = typeof body.code === 'string' ? body.code : xhr.status >= 500 ? 'InternalFailure' : 'ValidationException';
      const detail = typeof body.detail === 'string' ? body.detail : `HTTP ${xhr.status}`;
      reject(new LoamApiError(code, detail, xhr.status, (body.errors as { path: string; message: string }[] | undefined) ?? [], body.requestId as string | undefined));
    };
    xhr.onerror = () => reject(new Error('The upload could not reach Loam.'));
    xhr.onabort = () => reject(new DOMException('Upload cancelled', 'AbortError'));
    signal?.addEventListener('abort', () => xhr.abort());
    xhr.send(file);
  });
}
