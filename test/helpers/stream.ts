// Reading an export stream whole, as a client would, for tests that compare exports.

/** The stream's bytes as UTF-8 text; invalid UTF-8 throws (an export must never emit it). */
export async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stream.getReader();
  const dec = new TextDecoder("utf-8", { fatal: true });
  let out = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    out += dec.decode(value, { stream: true });
  }
  return out + dec.decode();
}
