import type { Socket } from 'node:net';
import { Injectable } from '@nestjs/common';

/** Every socket of the clients network interface, dialled or accepted, until it closes: cut at shutdown. */
@Injectable()
export class SocketSet {
  private readonly sockets = new Set<Socket>();
  private emptied: Array<() => void> = [];

  track(socket: Socket): void {
    this.sockets.add(socket);
    // Whoever owns the socket reports failures; a reset on a socket nobody reads must not crash.
    socket.on('error', () => undefined);
    socket.once('close', () => {
      this.sockets.delete(socket);
      if (this.sockets.size > 0) return;
      for (const done of this.emptied.splice(0)) done();
    });
  }

  /** Resolves once every tracked socket has closed (both ends said goodbye, or it was cut). */
  allClosed(): Promise<void> {
    if (this.sockets.size === 0) return Promise.resolve();
    return new Promise((done) => this.emptied.push(done));
  }

  destroyAll(): void {
    for (const socket of this.sockets) socket.destroy();
  }
}
