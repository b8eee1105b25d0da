import { histogramWasmBase64 } from './histogram-wasm.js';

/** Where an array lives in the arena's memory: its byte address and size. */
export interface ArenaRegion {
  readonly offset: number;
  readonly bytes: number;
}

/** The part of the WebAssembly JS API used here (the project's TypeScript libraries do not declare it). */
export interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
}
const wasmApi = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

const PAGE = 65536;
/** wasm32 addresses 4 GiB; V8 reserves a shared memory's maximum up front (address space only). */
const MAX_PAGES = 65536;
const ALIGN = 64;

/**
 * A bump allocator over one shared `WebAssembly.Memory`, holding the arrays the WebAssembly
 * histogram kernels read and write (bin codes, rows, gradients, histograms), with the compiled
 * kernels that both training threads instantiate on it (ADR 0017). Nothing is freed before the
 * arena is dropped, except that the last region can grow in place.
 */
export class WasmArena {
  private top = 0;
  private last: ArenaRegion | undefined;

  private constructor(
    readonly module: object,
    readonly memory: WasmMemory,
  ) {}

  /** An arena, or undefined where this runtime has no WebAssembly with shared memory. */
  static create(): WasmArena | undefined {
    try {
      if (!wasmApi) return undefined;
      return new WasmArena(compiled(wasmApi), new wasmApi.Memory({ initial: 1, maximum: MAX_PAGES, shared: true }));
    } catch {
      return undefined;
    }
  }

  /**
   * `bytes` zeroed bytes (or, when `replacing` is the last region, that region grown in place, its
   * contents kept); undefined when the memory cannot grow that far (4 GiB in all, or no memory left).
   */
  alloc(bytes: number, replacing?: ArenaRegion): ArenaRegion | undefined {
    const start = replacing !== undefined && replacing === this.last ? replacing.offset : this.top;
    const end = start + Math.ceil(bytes / ALIGN) * ALIGN;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      try {
        this.memory.grow(Math.ceil((end - have) / PAGE));
      } catch {
        return undefined;
      }
    }
    this.top = Math.max(this.top, end);
    this.last = { offset: start, bytes };
    return this.last;
  }
}

let module: object | undefined;
function compiled(api: WasmApi): object {
  module ??= new api.Module(Buffer.from(histogramWasmBase64, 'base64'));
  return module;
}
