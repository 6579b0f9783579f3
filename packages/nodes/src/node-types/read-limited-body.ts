import { NodeExecutionError } from '../node-execution-error';

/** Reads a response body, refusing one larger than `maxBytes` instead of buffering it all. */
export async function readLimitedBody(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw tooLarge(maxBytes);
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function tooLarge(maxBytes: number): NodeExecutionError {
  return new NodeExecutionError('HTTP_RESPONSE_TOO_LARGE', `response body larger than ${maxBytes} bytes`, { retryable: false });
}
