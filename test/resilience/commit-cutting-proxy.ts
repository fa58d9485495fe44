import { RecordingProxy } from '../helpers/recording-proxy.js';

/** PostgreSQL's CommandComplete message for a COMMIT: 'C', int32 length 11, "COMMIT\0". */
const COMMIT_COMPLETE = Buffer.from([0x43, 0, 0, 0, 11, ...Buffer.from('COMMIT\0', 'latin1')]);

/**
 * A TCP proxy between a node and its PostgreSQL server that, once armed, breaks the connection at
 * the worst moment: the server has committed a transaction and answered, and the answer is
 * dropped. The node then holds a failed write that is in fact stored — what a network fault or a
 * database crash right after a commit leaves behind.
 */
export class CommitCuttingProxy {
  private constructor(
    private readonly proxy: RecordingProxy,
    private readonly state: { armed: boolean; cuts: number },
  ) {}

  static async start(targetPort: number): Promise<CommitCuttingProxy> {
    const state = { armed: false, cuts: 0 };
    const proxy = await RecordingProxy.start(targetPort, () => (chunk, direction) => {
      if (direction !== 'fromTarget' || !state.armed || !chunk.includes(COMMIT_COMPLETE)) return chunk;
      state.armed = false;
      state.cuts++;
      return 'cut';
    });
    return new CommitCuttingProxy(proxy, state);
  }

  get port(): number {
    return this.proxy.port;
  }

  /** Commits whose answer was dropped so far. */
  get cuts(): number {
    return this.state.cuts;
  }

  /** The next COMMIT answer is dropped and its connection closed on both sides. */
  cutNextCommit(): void {
    this.state.armed = true;
  }

  close(): Promise<void> {
    return this.proxy.close();
  }
}
