// Protobuf wire format primitives: splitting a message into its fields, and writing fields back.
// Every read is bounds-checked, so a truncated or corrupt body throws instead of reading garbage.

export const VARINT = 0;
export const FIXED64 = 1;
export const LENGTH_DELIMITED = 2;
export const FIXED32 = 5;

export type WireType = typeof VARINT | typeof FIXED64 | typeof LENGTH_DELIMITED | typeof FIXED32;

/** One field as it sits on the wire. `varint` is set for VARINT, `bytes` (the payload) for the others. */
export interface WireField {
  number: number;
  wireType: WireType;
  varint: bigint;
  bytes: Uint8Array;
}

export class WireError extends Error {}

const EMPTY = new Uint8Array(0);
const MAX_FIELD_NUMBER = 2 ** 29 - 1;

/** Reads the varint at `offset`; returns its value (as unsigned 64 bits) and the offset after it. */
export function readVarint(buf: Uint8Array, offset: number): { value: bigint; next: number } {
  let value = 0n;
  let shift = 0n;
  for (let i = offset; i < buf.length && i < offset + 10; i++) {
    const byte = buf[i];
    value |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return { value: BigInt.asUintN(64, value), next: i + 1 };
    shift += 7n;
  }
  if (buf.length - offset >= 10) throw new WireError(`varint longer than 10 bytes at offset ${offset}`);
  throw new WireError(`truncated varint at offset ${offset}`);
}

/** Splits a message into its fields, in wire order. Groups (wire types 3 and 4) are not supported. */
export function readFields(buf: Uint8Array): WireField[] {
  const fields: WireField[] = [];
  let offset = 0;
  while (offset < buf.length) {
    const at = offset;
    const tag = readVarint(buf, offset);
    offset = tag.next;
    if (tag.value > ((BigInt(MAX_FIELD_NUMBER) << 3n) | 7n)) throw new WireError(`field tag too large at offset ${at}`);
    const number = Number(tag.value >> 3n);
    const wireType = Number(tag.value & 7n);
    if (number === 0) throw new WireError(`field number 0 at offset ${at}`);
    switch (wireType) {
      case VARINT: {
        const v = readVarint(buf, offset);
        offset = v.next;
        fields.push({ number, wireType, varint: v.value, bytes: EMPTY });
        break;
      }
      case FIXED64:
      case FIXED32: {
        const size = wireType === FIXED64 ? 8 : 4;
        if (offset + size > buf.length) throw new WireError(`truncated fixed${size * 8} field ${number} at offset ${at}`);
        fields.push({ number, wireType, varint: 0n, bytes: buf.subarray(offset, offset + size) });
        offset += size;
        break;
      }
      case LENGTH_DELIMITED: {
        const len = readVarint(buf, offset);
        offset = len.next;
        if (len.value > BigInt(buf.length - offset)) {
          throw new WireError(`field ${number} at offset ${at} claims ${len.value} bytes but only ${buf.length - offset} remain`);
        }
        const end = offset + Number(len.value);
        fields.push({ number, wireType, varint: 0n, bytes: buf.subarray(offset, end) });
        offset = end;
        break;
      }
      default:
        throw new WireError(`unsupported wire type ${wireType} for field ${number} at offset ${at}`);
    }
  }
  return fields;
}

/** The varints of a packed repeated field's payload. */
export function readPackedVarints(payload: Uint8Array): bigint[] {
  const values: bigint[] = [];
  for (let offset = 0; offset < payload.length;) {
    const v = readVarint(payload, offset);
    values.push(v.value);
    offset = v.next;
  }
  return values;
}

/** The fixed-size elements of a packed repeated fixed32/fixed64 field's payload. */
export function readPackedFixed(payload: Uint8Array, size: 4 | 8): Uint8Array[] {
  if (payload.length % size !== 0) throw new WireError(`packed fixed${size * 8} payload of ${payload.length} bytes`);
  const values: Uint8Array[] = [];
  for (let offset = 0; offset < payload.length; offset += size) values.push(payload.subarray(offset, offset + size));
  return values;
}

export function fixedToDouble(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset, 8).getFloat64(0, true);
}

export function fixedToFloat(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset, 4).getFloat32(0, true);
}

/** Accumulates one message's fields; nested messages are encoded separately and added with `bytes`. */
export class WireWriter {
  private parts: Uint8Array[] = [];
  private length = 0;

  private push(part: Uint8Array): void {
    this.parts.push(part);
    this.length += part.length;
  }

  private rawVarint(value: bigint): void {
    let v = BigInt.asUintN(64, value); // negative numbers take ten bytes, as in Go
    const out: number[] = [];
    while (v >= 0x80n) {
      out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    out.push(Number(v));
    this.push(Uint8Array.from(out));
  }

  private tag(number: number, wireType: WireType): void {
    this.rawVarint((BigInt(number) << 3n) | BigInt(wireType));
  }

  varint(number: number, value: bigint | number | boolean): void {
    this.tag(number, VARINT);
    this.rawVarint(typeof value === 'bigint' ? value : BigInt(typeof value === 'boolean' ? Number(value) : value));
  }

  bytes(number: number, payload: Uint8Array): void {
    this.tag(number, LENGTH_DELIMITED);
    this.rawVarint(BigInt(payload.length));
    this.push(payload);
  }

  string(number: number, value: string): void {
    this.bytes(number, new TextEncoder().encode(value));
  }

  double(number: number, value: number): void {
    this.tag(number, FIXED64);
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, value, true);
    this.push(b);
  }

  float(number: number, value: number): void {
    this.tag(number, FIXED32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.push(b);
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const part of this.parts) {
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  }
}
