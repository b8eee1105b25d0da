// What a follower of a metadata-store collection (the lineage sync, the training-job run sync) shares: it
// reads each pass again from its watermark less a lag, so a write that committed late is not missed, and
// passes over the records it already recorded at the version it reads.

/** Gives the event loop a turn: SQLite's awaits never do, so a long pass must. */
export const nextTurn = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

/** Per record key, the version (and the time field's value) a follower last recorded; kept only within its lag. */
export class FollowedVersions {
  readonly #seen = new Map<string, { version: number; time: number }>();

  /** Whether `key` was recorded at `version` already. */
  recorded(key: string, version: number): boolean {
    return this.#seen.get(key)?.version === version;
  }

  note(key: string, version: number, time: number): void {
    this.#seen.set(key, { version, time });
  }

  /** Forgets the records a pass reading from `floor` (the watermark less the lag) no longer reads. */
  forgetBefore(floor: number): void {
    for (const [key, { time }] of this.#seen) if (time < floor) this.#seen.delete(key);
  }
}
