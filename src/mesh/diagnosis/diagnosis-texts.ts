/**
 * The English texts of the diagnosis: `message` of a line is its `code`'s template with `params`
 * filled in (`{name}`); the admin page has the same templates in English and German
 * (`diagnosis.<code>`, `diagnosis.hint.<hintCode>` in src/admin/page/static/i18n.js).
 */
export const DIAGNOSIS_MESSAGES = {
  'clients-interface.owned': 'the application owns port {port} and hands mesh connections over',
  'clients-interface.listening': 'the clients network interface listens on {bind}:{port}',
  'clients-interface.closed': 'the clients network interface does not listen',
  'advertised-address.self': 'this node answers at its advertised address {address}',
  'advertised-address.other-node':
    'another mesh node ({nodeId}) answers at {address}, the address this node advertises',
  'advertised-address.not-mesh':
    'something that is not this node answers at {address}, the address this node advertises ({detail})',
  'advertised-address.unreachable':
    'this node cannot be reached at {address}, the address it advertises to its peers ({detail})',
  'advertised-address.not-checked': 'whether this node answers at {address} could not be checked: {detail}',
  'discovery.off': 'the automatic search is off ({why}); the configured nodes are linked without it',
  'discovery.off-alone':
    'the automatic search is off ({why}) and no node is configured: this node links to nobody',
  'discovery.no-interface': 'the automatic search runs but has no interface to search on',
  'discovery.not-sent': 'the search on {interfaces} has not sent an announcement yet',
  'discovery.nothing-received':
    'the search on {interfaces} sent {sent} announcements but received none from other nodes',
  'discovery.ok':
    'the search on {interfaces} sent {sent} announcements and received {received}, the last at {last}',
  'node-reachable.linked': '{address} is linked',
  'node-reachable.refused': '{address} refuses the connection: {detail}',
  'node-reachable.no-answer': '{address} does not answer ({outcome}): {detail}',
  'node-reachable.failed': '{address} is not linked: {reason} — {detail}',
  'node-reachable.disabled': '{address} is not linked: {detail}',
  'node-reachable.pending': '{address} is not linked yet ({state})',
  'node-reachable.none': 'no other node is configured or found',
  'clock-offset.none': 'no clock offset measured (no linked node sends clock stamps)',
  'clock-offset.skew': 'clocks differ beyond the limit of {limit}: {nodes}',
  'clock-offset.drift': 'clocks differ by more than {warnAt} (limit {limit}): {nodes}',
  'clock-offset.ok': 'the clocks of {count} linked nodes agree with this one within {worst} ms',
  'software-version.same': 'every linked node runs {version}',
  'software-version.mixed': 'this node runs {version}, linked nodes run other versions: {others}',
  'certificate.none': 'encryption is off: this node has no certificate',
  'certificate.expired': "this node's certificate ({subject}) expired on {date}",
  'certificate.expiring': "this node's certificate ({subject}) expires on {date}, in {days} days",
  'certificate.valid': "this node's certificate ({subject}) is valid until {date}",
  'peer-certificate.expired': 'the certificate of {address} expired on {date}',
  'peer-certificate.expiring': 'the certificate of {address} expires on {date}, in {days} days',
  'peer-certificate.valid': 'the certificate of {address} is valid until {date}',
} as const;

export type DiagnosisCode = keyof typeof DIAGNOSIS_MESSAGES;

/** What to do, where no link reason's hint (`LINK_HINTS`) applies. */
export const DIAGNOSIS_HINTS = {
  listen:
    'the clients network interface could not be opened; check the log for why (port in use, bind address not on this computer)',
  advertised:
    "peers dial the advertised address: set the node's host (MESH_HOST) and port (MESH_PORT) to a name or address and port where the other nodes reach this node",
  'search-off-alone': 'add the other nodes as fixed nodes, or switch the automatic search on in the settings',
  'no-interface':
    'set MESH_DISCOVERY_INTERFACE to an IPv4 address of this computer, or give it a non-internal IPv4 interface',
  'not-sent':
    'wait one search interval; if it stays so, check the log for send errors (no multicast route on the interface)',
  'nothing-received':
    'check that the other nodes search too, with the same mesh ID and password, and that multicast DNS (UDP port 5353) passes between them',
  'not-linked-yet': 'wait a moment: the node is being dialled; if it stays so, check its status and the log',
  versions: 'run the same UC Mesh version on every node; update the older ones',
  certificate:
    'replace the certificate: write new PEM files to the configured paths or PUT /api/mesh/tls; new links use it at once',
  'peer-certificate': 'replace the certificate on that node (new PEM files or PUT /api/mesh/tls there)',
} as const;

export type DiagnosisHintCode = keyof typeof DIAGNOSIS_HINTS;

/** A template with its `{name}`s filled in; a name without a value stays as it is. */
export function fillTemplate(template: string, params: Readonly<Record<string, string | number>>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}
