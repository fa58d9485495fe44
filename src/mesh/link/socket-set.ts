import type { Socket } from 'node:net';
import { Injectable } from '@nestjs/common';

/** Every socket of the clients network interface, dialled or accepted, until it closes: cut at shutdown. */
@Injectable()
export class SocketSet {
  private readonly sockets = new Set<Socket>();

  track(socket: Socket): void {
    this.sockets.add(socket);
    // Whoever owns the socket reports failures; a reset on a socket nobody reads must not crash.
    socket.on('error', () => undefined);
    socket.once('close', () => this.sockets.delete(socket));
  }

  destroyAll(): void {
    for (const socket of this.sockets) socket.destroy();
  }
}
