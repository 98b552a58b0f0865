/** Reading from stdin: a yes/no question (only on a terminal) and the whole input (verify's body). */
import type { Io } from "./context.js";

/** Asks on stderr and reads one line; false (without asking) when stdin is not a terminal. */
export async function confirm(io: Io, question: string): Promise<boolean> {
  if (!io.stdin.isTTY) return false;
  io.stderr.write(`${question} [y/N] `);
  const line = await firstLine(io.stdin);
  return /^y(es)?$/i.test(line.trim());
}

async function firstLine(input: AsyncIterable<Buffer | string>): Promise<string> {
  let text = "";
  for await (const chunk of input) {
    text += chunk.toString();
    const end = text.indexOf("\n");
    if (end >= 0) return text.slice(0, end);
  }
  return text;
}

/** Everything on stdin, as bytes (a signature covers the exact bytes). */
export async function readAll(input: AsyncIterable<Buffer | string>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}
