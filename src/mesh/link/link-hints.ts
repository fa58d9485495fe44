import type { LinkReason } from './link-reason.js';

/**
 * What an administrator can do about each link reason, in one short English sentence: shown as
 * `status.hint` in the API, beside the reason on the admin page and in the log. A `Record` over
 * every reason, so a new reason without a hint does not compile.
 */
export const LINK_HINTS: Readonly<Record<LinkReason, string>> = {
  unreachable:
    "nothing answers at the peer's host and port; check that the node runs, the address and port are right and no firewall blocks them",
  timeout:
    'the peer stopped answering (a frozen process or a broken network path); check that it runs and the network between the two nodes',
  'mesh-id-mismatch':
    'the two nodes belong to different meshes; set the same mesh ID (and password) on both, or uncheck the node',
  'password-mismatch': 'the two nodes have different mesh passwords; set the same password on both',
  'tls-required-remote':
    'the peer requires TLS but this node has encryption off; switch encryption on here (starttls-optional or starttls-required)',
  'tls-required-local':
    'this node requires TLS but the peer has encryption off; switch encryption on at the peer, or relax this node to starttls-optional',
  'certificate-untrusted':
    "one side does not trust the other's certificate; give both nodes certificates signed by the configured CA (MESH_TLS_CA)",
  'tls-failed':
    'the TLS handshake failed; check that the certificate and key files are valid and match, and that both nodes support TLS 1.2 or later',
  'unlicensed-local': 'this node has no valid license for the mesh; install a license token on this node',
  'unlicensed-remote': 'the peer has no valid license for the mesh; install a license token on the peer',
  'connection-limit-local':
    "this node's license allows no more links; uncheck nodes it need not link to, or install a license with more connections",
  'connection-limit-remote':
    "the peer's license allows no more links; uncheck nodes at the peer, or install a license with more connections there",
  'mesh-disabled-remote': "the mesh is switched off at the peer; enable it in the peer's settings",
  'mesh-not-configured-local': 'this node has no mesh ID and password yet; set them in the settings',
  'mesh-not-configured-remote':
    'the peer has no mesh ID and password yet; set the same ones as on this node in its settings',
  'not-known-remote':
    "the peer does not accept nodes it does not list; add this node there as a fixed node, or switch on 'accept unknown nodes' in the peer's settings",
  'disabled-remote':
    "the peer's administrator unchecked this node; check it again in the peer's node list to link",
  'disabled-local':
    'this node is unchecked in the node list here; check it again to link (the peer shows disabled-remote)',
  'clock-skew':
    "the two nodes' clocks differ too much; synchronise both with NTP (or raise MESH_MAX_CLOCK_OFFSET_MS)",
  duplicate: 'the two nodes dialled each other at once and kept the other link; nothing to do',
  self: 'this address is this node itself; remove it from the node list',
  'rate-limited':
    'too many failed handshakes came from this address; fix the cause of the failures and wait a minute',
  'protocol-error':
    'the other side does not speak this UC Mesh version (or is not a mesh node); check the address and run compatible versions on both',
  'connection-lost':
    'the connection broke; it is dialled again on its own, check the network if this repeats',
  shutdown: 'a node is shutting down (the peer, or this one); the link comes back when both run',
  closed:
    'the link was closed on purpose (a node removed or unchecked, the mesh ID or password changed); a checked node is dialled again',
};

/** The hint for a reason, for statuses and log lines. */
export function linkHint(reason: LinkReason): string {
  return LINK_HINTS[reason];
}
