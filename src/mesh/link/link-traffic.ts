/**
 * Frames and bytes carried by the mesh links of one LinkService, closed links included, since it
 * started. Plain number fields on purpose: the link hot path adds to them per frame (at close to a
 * million frames a second), and metrics read them only when scraped.
 */
export class LinkTraffic {
  /** Frames received on established links: messages, requests, replies, heartbeats, closes. */
  framesIn = 0;
  framesOut = 0;
  /** Bytes of those frames, length prefixes included (before TLS, after decryption). */
  bytesIn = 0;
  bytesOut = 0;
}
