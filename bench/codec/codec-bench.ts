// Frame-body codec: MessagePack (msgpackr, as on the wire) against JSON, for a call-state message.
// One process, no I/O: encode (body + 4-byte length, one buffer) and decode, per message.
//   npm run bench:codec
import { performance } from 'node:perf_hooks';
import { decodeBody, encodeBody } from '../../src/mesh/wire/body-codec.js';
import { frame } from '../../src/mesh/wire/frame-decoder.js';

const MESSAGES = 500_000;
const ROUNDS = 5;
const callState = (i: number) => [
  1,
  'call.state',
  {
    type: 'call.state',
    callId: '3f0c6a56-2f1e-4d5b-9a7c-8e1f2d3c4b5a',
    from: '+4989123456',
    to: '+4930654321',
    state: 'ringing',
    ts: 1_764_000_000_000 + i,
  },
];

const codecs = {
  msgpackr: {
    encode: (value: unknown) => frame(encodeBody(value)),
    decode: (bytes: Buffer) => decodeBody(bytes.subarray(4)),
  },
  json: {
    encode: (value: unknown) => frame(Buffer.from(JSON.stringify(value))),
    decode: (bytes: Buffer) => JSON.parse(bytes.subarray(4).toString('utf8')) as unknown,
  },
};

function measure(codec: (typeof codecs)[keyof typeof codecs]): {
  encode: number;
  decode: number;
  bytes: number;
} {
  const encoded: Buffer[] = new Array<Buffer>(MESSAGES);
  let start = performance.now();
  for (let i = 0; i < MESSAGES; i++) encoded[i] = codec.encode(callState(i));
  const encodeMs = performance.now() - start;
  start = performance.now();
  for (let i = 0; i < MESSAGES; i++) codec.decode(encoded[i] as Buffer);
  const decodeMs = performance.now() - start;
  return {
    encode: (MESSAGES / encodeMs) * 1000,
    decode: (MESSAGES / decodeMs) * 1000,
    bytes: encoded[0]?.length ?? 0,
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const results: Record<string, { encode: number[]; decode: number[]; bytes: number }> = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, codec] of Object.entries(codecs)) {
    const r = measure(codec);
    const entry = (results[name] ??= { encode: [], decode: [], bytes: r.bytes });
    entry.encode.push(r.encode);
    entry.decode.push(r.decode);
  }
}
console.log(`codec         bytes  encode msg/s (median, min–max)        decode msg/s (median, min–max)`);
for (const [name, r] of Object.entries(results)) {
  const span = (v: number[]) =>
    `${Math.round(median(v)).toLocaleString('en')} (${Math.round(Math.min(...v)).toLocaleString('en')}–${Math.round(Math.max(...v)).toLocaleString('en')})`;
  console.log(
    `${name.padEnd(12)} ${String(r.bytes).padStart(6)}  ${span(r.encode).padEnd(36)} ${span(r.decode)}`,
  );
}
