// The admin page's texts in English and German. Pure data: every key in both languages (checked by
// src/admin/page/i18n.spec.ts), `{name}` marks a value the page fills in. English keeps the API's
// own words for states and codes, so what the page shows matches the API and the logs.

/** The languages the page speaks; the first is the default. */
export const LANGUAGES = ['en', 'de'];

/** @type {Record<string, Record<string, string>>} */
export const MESSAGES = {
  en: {
    'page.title': 'UC Mesh — administration',
    'language.label': 'Language',
    'session.signOut': 'Sign out',
    'login.title': 'Sign in',
    'login.token': 'Admin token',
    'login.hintBefore': 'The node prints it at start and keeps it in ',
    'login.hintAfter': '.',
    'login.submit': 'Sign in',
    'login.empty': 'Type the admin token.',
    'login.rejected': 'The admin token was not accepted.',
    'login.noAnswer': 'The node did not answer: {error}',
    'connection.lost': 'Lost the connection to the node; trying again…',

    'settings.title': 'Mesh settings',
    'settings.enabled': 'Mesh enabled',
    'settings.discovery': 'Search the network automatically',
    'settings.acceptUnknown': 'Accept nodes that are not in the list',
    'settings.interval': 'Search interval (ms)',
    'settings.meshId': 'Mesh ID',
    'settings.password': 'Password',
    'settings.passwordUnchanged': 'unchanged',
    'settings.passwordNotSet': 'not set',
    'settings.passwordHint': 'Write-only: the node never shows it. Needed with a new mesh ID.',
    'settings.save': 'Save settings',
    'settings.saved': 'Saved.',
    'settings.unchanged': 'Nothing changed.',

    'self.title': 'This node',
    'self.host': 'Computer name',
    'self.port': 'Port',
    'self.nodeId': 'Node ID',
    'self.encryption': 'Encryption',
    'self.mesh': 'Mesh',
    'self.active': 'active',
    'self.unlicensed': 'not active (unlicensed)',
    'self.disabled': 'disabled',
    'encryption.none': 'none',
    'encryption.starttls-optional': 'starttls-optional',
    'encryption.starttls-required': 'starttls-required',

    'license.title': 'License',
    'license.state': 'State',
    'license.invalid': 'invalid — {reason}',
    'license.invalidWithMessage': 'invalid — {reason}: {message}',
    'license.unlicensed': 'unlicensed',
    'license.evaluation': 'evaluation',
    'license.licensed': 'licensed',
    'license.licensee': 'Licensee',
    'license.expires': 'Expires',
    'license.connections': 'Connections',
    'license.connectionsUsed': '{used} used of {allowed} allowed',
    'license.install': 'Install a license token',
    'license.token': 'License token',
    'license.submit': 'Install',
    'license.installed': 'License installed.',

    'nodes.title': 'Mesh nodes',
    'nodes.hint':
      "The checkbox connects or disconnects a node. Open a node's menu with its ⋯ button, the context-menu key or a right click.",
    'nodes.fixed': 'Fixed nodes',
    'nodes.discovered': 'Automatically found nodes',
    'nodes.colConnect': 'Connect',
    'nodes.colNode': 'Node',
    'nodes.colStatus': 'Status',
    'nodes.colLink': 'Link',
    'nodes.colActions': 'Actions',
    'nodes.empty': 'No nodes in this group.',
    'nodes.connect': 'Connect {address}',
    'nodes.details': 'Details',
    'nodes.actions': 'Actions for {address}',
    'nodes.changeFailed': 'Could not change {address}: {error}',

    'add.title': 'Add a fixed node',
    'add.host': 'Computer name',
    'add.port': 'Port',
    'add.connect': 'Connect',
    'add.submit': 'Add node',
    'add.badHost': 'host must be a computer name or an IP address of 1 to 253 characters',
    'add.badPort': 'port must be an integer from 1 to 65535',

    'menu.pin': 'Configure this node permanently',
    'menu.remove': 'Remove',
    'menu.details': 'Details',
    'menu.pinFailed': 'Could not configure {address} permanently: {error}',
    'menu.removeConfirm': 'Remove {address} from the fixed nodes?',
    'menu.removeFailed': 'Could not remove {address}: {error}',

    'picture.title': 'Mesh picture',
    'picture.desc': 'This node {host} and {count} other nodes: ',
    'picture.self': 'this node',
    'legend.connected': 'connected',
    'legend.error': 'error',
    'legend.off': 'off or connecting',

    'details.title': 'Node',
    'details.close': 'Close',
    'details.address': 'Address',
    'details.group': 'Group',
    'details.state': 'State',
    'details.reason': 'Reason',
    'details.reasonValue': '{label} ({code})',
    'details.message': 'Message',
    'details.since': 'Since',
    'details.lastConnected': 'Last connected',
    'details.direction': 'Direction',
    'details.remoteAddress': 'Remote address',
    'details.transport': 'Transport',
    'details.software': 'Software',
    'details.clockOffset': 'Clock offset',
    'details.roundTrip': 'Round trip',
    'details.tls': 'TLS',
    'details.certificate': 'Certificate',
    'details.issuer': 'Issuer',
    'details.valid': 'Valid',
    'details.fingerprint': 'SHA-256',
    'clock.ahead': 'peer {by} ahead',
    'clock.behind': 'peer {by} behind',
    'clock.same': 'same as this node',

    'group.fixed': 'fixed',
    'group.discovered': 'found automatically',
    'direction.inbound': 'inbound',
    'direction.outbound': 'outbound',
    'state.connected': 'connected',
    'state.connecting': 'connecting',
    'state.error': 'error',
    'state.disabled': 'disabled',
    'state.idle': 'idle',

    'reason.unreachable': 'Not reachable',
    'reason.timeout': 'No answer in time',
    'reason.mesh-id-mismatch': 'Different mesh ID',
    'reason.password-mismatch': 'Different mesh password',
    'reason.tls-required-remote': 'The other node requires encryption',
    'reason.tls-required-local': 'This node requires encryption',
    'reason.certificate-untrusted': 'Certificate not trusted',
    'reason.tls-failed': 'Encryption (TLS) failed',
    'reason.unlicensed-local': 'This node has no valid license',
    'reason.unlicensed-remote': 'The other node has no valid license',
    'reason.connection-limit-local': "This node's license allows no more connections",
    'reason.connection-limit-remote': "The other node's license allows no more connections",
    'reason.mesh-disabled-remote': 'Mesh disabled on the other node',
    'reason.mesh-not-configured-local': 'Mesh not configured on this node',
    'reason.mesh-not-configured-remote': 'Mesh not configured on the other node',
    'reason.not-known-remote': 'The other node does not know this node',
    'reason.disabled-remote': 'Switched off on the other node',
    'reason.disabled-local': 'Switched off on this node',
    'reason.clock-skew': 'Clocks too far apart',
    'reason.duplicate': 'Already linked (duplicate connection)',
    'reason.self': 'This is this node itself',
    'reason.rate-limited': 'Too many attempts; waiting',
    'reason.protocol-error': 'Protocol error',
    'reason.connection-lost': 'Connection lost',
    'reason.shutdown': 'Node shutting down',
    'reason.closed': 'Connection closed',

    'hint.unreachable':
      "nothing answers at the peer's host and port; check that the node runs, the address and port are right and no firewall blocks them",
    'hint.timeout':
      'the peer stopped answering (a frozen process or a broken network path); check that it runs and the network between the two nodes',
    'hint.mesh-id-mismatch':
      'the two nodes belong to different meshes; set the same mesh ID (and password) on both, or uncheck the node',
    'hint.password-mismatch': 'the two nodes have different mesh passwords; set the same password on both',
    'hint.tls-required-remote':
      'the peer requires TLS but this node has encryption off; switch encryption on here (starttls-optional or starttls-required)',
    'hint.tls-required-local':
      'this node requires TLS but the peer has encryption off; switch encryption on at the peer, or relax this node to starttls-optional',
    'hint.certificate-untrusted':
      "one side does not trust the other's certificate; give both nodes certificates signed by the configured CA (MESH_TLS_CA)",
    'hint.tls-failed':
      'the TLS handshake failed; check that the certificate and key files are valid and match, and that both nodes support TLS 1.2 or later',
    'hint.unlicensed-local':
      'this node has no valid license for the mesh; install a license token on this node',
    'hint.unlicensed-remote':
      'the peer has no valid license for the mesh; install a license token on the peer',
    'hint.connection-limit-local':
      "this node's license allows no more links; uncheck nodes it need not link to, or install a license with more connections",
    'hint.connection-limit-remote':
      "the peer's license allows no more links; uncheck nodes at the peer, or install a license with more connections there",
    'hint.mesh-disabled-remote': "the mesh is switched off at the peer; enable it in the peer's settings",
    'hint.mesh-not-configured-local': 'this node has no mesh ID and password yet; set them in the settings',
    'hint.mesh-not-configured-remote':
      'the peer has no mesh ID and password yet; set the same ones as on this node in its settings',
    'hint.not-known-remote':
      "the peer does not accept nodes it does not list; add this node there as a fixed node, or switch on 'accept unknown nodes' in the peer's settings",
    'hint.disabled-remote':
      "the peer's administrator unchecked this node; check it again in the peer's node list to link",
    'hint.disabled-local':
      'this node is unchecked in the node list here; check it again to link (the peer shows disabled-remote)',
    'hint.clock-skew':
      "the two nodes' clocks differ too much; synchronise both with NTP (or raise MESH_MAX_CLOCK_OFFSET_MS)",
    'hint.duplicate': 'the two nodes dialled each other at once and kept the other link; nothing to do',
    'hint.self': 'this address is this node itself; remove it from the node list',
    'hint.rate-limited':
      'too many failed handshakes came from this address; fix the cause of the failures and wait a minute',
    'hint.protocol-error':
      'the other side does not speak this UC Mesh version (or is not a mesh node); check the address and run compatible versions on both',
    'hint.connection-lost':
      'the connection broke; it is dialled again on its own, check the network if this repeats',
    'hint.shutdown': 'a node is shutting down (the peer, or this one); the link comes back when both run',
    'hint.closed':
      'the link was closed on purpose (a node removed or unchecked, the mesh ID or password changed); a checked node is dialled again',
  },
  de: {
    'page.title': 'UC Mesh — Administration',
    'language.label': 'Sprache',
    'session.signOut': 'Abmelden',
    'login.title': 'Anmelden',
    'login.token': 'Admin-Token',
    'login.hintBefore': 'Der Knoten gibt es beim Start aus und speichert es in ',
    'login.hintAfter': '.',
    'login.submit': 'Anmelden',
    'login.empty': 'Bitte geben Sie das Admin-Token ein.',
    'login.rejected': 'Das Admin-Token wurde nicht akzeptiert.',
    'login.noAnswer': 'Der Knoten antwortet nicht: {error}',
    'connection.lost': 'Verbindung zum Knoten verloren; neuer Versuch läuft …',

    'settings.title': 'Mesh-Einstellungen',
    'settings.enabled': 'Mesh aktiviert',
    'settings.discovery': 'Automatische Suche im Netzwerk',
    'settings.acceptUnknown': 'Knoten annehmen, die nicht in der Liste stehen',
    'settings.interval': 'Suchintervall (ms)',
    'settings.meshId': 'Mesh-ID',
    'settings.password': 'Kennwort',
    'settings.passwordUnchanged': 'unverändert',
    'settings.passwordNotSet': 'nicht gesetzt',
    'settings.passwordHint':
      'Nur zum Setzen: Der Knoten zeigt das Kennwort nie an. Bei einer neuen Mesh-ID erforderlich.',
    'settings.save': 'Einstellungen speichern',
    'settings.saved': 'Gespeichert.',
    'settings.unchanged': 'Keine Änderungen.',

    'self.title': 'Dieser Knoten',
    'self.host': 'Computername',
    'self.port': 'Port',
    'self.nodeId': 'Knoten-ID',
    'self.encryption': 'Verschlüsselung',
    'self.mesh': 'Mesh',
    'self.active': 'aktiv',
    'self.unlicensed': 'nicht aktiv (keine gültige Lizenz)',
    'self.disabled': 'deaktiviert',
    'encryption.none': 'keine',
    'encryption.starttls-optional': 'STARTTLS optional',
    'encryption.starttls-required': 'STARTTLS erforderlich',

    'license.title': 'Lizenz',
    'license.state': 'Zustand',
    'license.invalid': 'ungültig — {reason}',
    'license.invalidWithMessage': 'ungültig — {reason}: {message}',
    'license.unlicensed': 'nicht lizenziert',
    'license.evaluation': 'Testlizenz',
    'license.licensed': 'lizenziert',
    'license.licensee': 'Lizenznehmer',
    'license.expires': 'Gültig bis',
    'license.connections': 'Verbindungen',
    'license.connectionsUsed': '{used} von {allowed} erlaubten belegt',
    'license.install': 'Lizenz-Token installieren',
    'license.token': 'Lizenz-Token',
    'license.submit': 'Installieren',
    'license.installed': 'Lizenz installiert.',

    'nodes.title': 'Mesh-Knoten',
    'nodes.hint':
      'Das Kontrollkästchen verbindet oder trennt einen Knoten. Das Menü eines Knotens öffnen Sie mit seiner Schaltfläche ⋯, der Kontextmenütaste oder einem Rechtsklick.',
    'nodes.fixed': 'Fest konfigurierte Knoten',
    'nodes.discovered': 'Automatisch gefundene Knoten',
    'nodes.colConnect': 'Verbinden',
    'nodes.colNode': 'Knoten',
    'nodes.colStatus': 'Status',
    'nodes.colLink': 'Verbindung',
    'nodes.colActions': 'Aktionen',
    'nodes.empty': 'Keine Knoten in dieser Gruppe.',
    'nodes.connect': '{address} verbinden',
    'nodes.details': 'Details',
    'nodes.actions': 'Aktionen für {address}',
    'nodes.changeFailed': '{address} konnte nicht geändert werden: {error}',

    'add.title': 'Knoten fest konfigurieren',
    'add.host': 'Computername',
    'add.port': 'Port',
    'add.connect': 'Verbinden',
    'add.submit': 'Knoten hinzufügen',
    'add.badHost': 'Der Computername muss ein Rechnername oder eine IP-Adresse mit 1 bis 253 Zeichen sein.',
    'add.badPort': 'Der Port muss eine ganze Zahl von 1 bis 65535 sein.',

    'menu.pin': 'Diesen Knoten fest konfigurieren',
    'menu.remove': 'Entfernen',
    'menu.details': 'Details',
    'menu.pinFailed': '{address} konnte nicht fest konfiguriert werden: {error}',
    'menu.removeConfirm': '{address} aus den fest konfigurierten Knoten entfernen?',
    'menu.removeFailed': '{address} konnte nicht entfernt werden: {error}',

    'picture.title': 'Mesh-Übersicht',
    'picture.desc': 'Dieser Knoten {host} und {count} weitere Knoten: ',
    'picture.self': 'dieser Knoten',
    'legend.connected': 'verbunden',
    'legend.error': 'Fehler',
    'legend.off': 'aus oder im Aufbau',

    'details.title': 'Knoten',
    'details.close': 'Schließen',
    'details.address': 'Adresse',
    'details.group': 'Gruppe',
    'details.state': 'Zustand',
    'details.reason': 'Grund',
    'details.reasonValue': '{label} ({code})',
    'details.message': 'Meldung',
    'details.since': 'Seit',
    'details.lastConnected': 'Zuletzt verbunden',
    'details.direction': 'Richtung',
    'details.remoteAddress': 'Gegenstelle',
    'details.transport': 'Transport',
    'details.software': 'Software',
    'details.clockOffset': 'Zeitabweichung',
    'details.roundTrip': 'Umlaufzeit',
    'details.tls': 'TLS',
    'details.certificate': 'Zertifikat',
    'details.issuer': 'Aussteller',
    'details.valid': 'Gültig',
    'details.fingerprint': 'SHA-256',
    'clock.ahead': 'Gegenstelle {by} vor',
    'clock.behind': 'Gegenstelle {by} nach',
    'clock.same': 'wie dieser Knoten',

    'group.fixed': 'fest konfiguriert',
    'group.discovered': 'automatisch gefunden',
    'direction.inbound': 'eingehend',
    'direction.outbound': 'ausgehend',
    'state.connected': 'verbunden',
    'state.connecting': 'wird verbunden',
    'state.error': 'Fehler',
    'state.disabled': 'ausgeschaltet',
    'state.idle': 'inaktiv',

    'reason.unreachable': 'Nicht erreichbar',
    'reason.timeout': 'Keine Antwort (Zeitüberschreitung)',
    'reason.mesh-id-mismatch': 'Abweichende Mesh-ID',
    'reason.password-mismatch': 'Abweichendes Mesh-Kennwort',
    'reason.tls-required-remote': 'Der andere Knoten verlangt Verschlüsselung',
    'reason.tls-required-local': 'Dieser Knoten verlangt Verschlüsselung',
    'reason.certificate-untrusted': 'Zertifikat nicht vertrauenswürdig',
    'reason.tls-failed': 'Verschlüsselung (TLS) fehlgeschlagen',
    'reason.unlicensed-local': 'Dieser Knoten hat keine gültige Lizenz',
    'reason.unlicensed-remote': 'Der andere Knoten hat keine gültige Lizenz',
    'reason.connection-limit-local': 'Die Lizenz dieses Knotens erlaubt keine weiteren Verbindungen',
    'reason.connection-limit-remote': 'Die Lizenz des anderen Knotens erlaubt keine weiteren Verbindungen',
    'reason.mesh-disabled-remote': 'Mesh auf dem anderen Knoten deaktiviert',
    'reason.mesh-not-configured-local': 'Mesh auf diesem Knoten nicht konfiguriert',
    'reason.mesh-not-configured-remote': 'Mesh auf dem anderen Knoten nicht konfiguriert',
    'reason.not-known-remote': 'Der andere Knoten kennt diesen Knoten nicht',
    'reason.disabled-remote': 'Auf dem anderen Knoten ausgeschaltet',
    'reason.disabled-local': 'Auf diesem Knoten ausgeschaltet',
    'reason.clock-skew': 'Uhrzeiten weichen zu stark ab',
    'reason.duplicate': 'Bereits verbunden (doppelte Verbindung)',
    'reason.self': 'Das ist dieser Knoten selbst',
    'reason.rate-limited': 'Zu viele Versuche; wartet',
    'reason.protocol-error': 'Protokollfehler',
    'reason.connection-lost': 'Verbindung unterbrochen',
    'reason.shutdown': 'Knoten wird beendet',
    'reason.closed': 'Verbindung beendet',

    'hint.unreachable':
      'Unter Host und Port des anderen Knotens antwortet nichts; prüfen Sie, ob der Knoten läuft, Adresse und Port stimmen und keine Firewall sie sperrt',
    'hint.timeout':
      'Der andere Knoten antwortet nicht mehr (ein hängender Prozess oder ein gestörter Netzweg); prüfen Sie, ob er läuft, und das Netz zwischen beiden Knoten',
    'hint.mesh-id-mismatch':
      'Die beiden Knoten gehören zu verschiedenen Meshes; stellen Sie auf beiden dieselbe Mesh-ID (und dasselbe Kennwort) ein oder schalten Sie „Verbinden“ für diesen Knoten ab',
    'hint.password-mismatch':
      'Die beiden Knoten haben verschiedene Mesh-Kennwörter; stellen Sie auf beiden dasselbe Kennwort ein',
    'hint.tls-required-remote':
      'Der andere Knoten verlangt TLS, hier ist die Verschlüsselung aus; schalten Sie sie hier ein (starttls-optional oder starttls-required)',
    'hint.tls-required-local':
      'Dieser Knoten verlangt TLS, beim anderen ist die Verschlüsselung aus; schalten Sie sie dort ein oder stellen Sie diesen Knoten auf starttls-optional',
    'hint.certificate-untrusted':
      'Eine Seite vertraut dem Zertifikat der anderen nicht; geben Sie beiden Knoten Zertifikate, die von der eingestellten CA (MESH_TLS_CA) signiert sind',
    'hint.tls-failed':
      'Der TLS-Handshake ist fehlgeschlagen; prüfen Sie, ob Zertifikat- und Schlüsseldatei gültig sind und zusammenpassen und ob beide Knoten TLS 1.2 oder neuer beherrschen',
    'hint.unlicensed-local':
      'Dieser Knoten hat keine gültige Lizenz für das Mesh; installieren Sie hier einen Lizenzschlüssel',
    'hint.unlicensed-remote':
      'Der andere Knoten hat keine gültige Lizenz für das Mesh; installieren Sie dort einen Lizenzschlüssel',
    'hint.connection-limit-local':
      'Die Lizenz dieses Knotens erlaubt keine weiteren Verbindungen; schalten Sie „Verbinden“ für Knoten ab, die nicht verbunden sein müssen, oder installieren Sie eine Lizenz mit mehr Verbindungen',
    'hint.connection-limit-remote':
      'Die Lizenz des anderen Knotens erlaubt keine weiteren Verbindungen; schalten Sie dort „Verbinden“ für Knoten ab oder installieren Sie dort eine Lizenz mit mehr Verbindungen',
    'hint.mesh-disabled-remote':
      'Das Mesh ist beim anderen Knoten ausgeschaltet; schalten Sie es in dessen Einstellungen ein',
    'hint.mesh-not-configured-local':
      'Dieser Knoten hat noch keine Mesh-ID und kein Kennwort; legen Sie beides in den Einstellungen fest',
    'hint.mesh-not-configured-remote':
      'Der andere Knoten hat noch keine Mesh-ID und kein Kennwort; stellen Sie dort dieselben wie hier ein',
    'hint.not-known-remote':
      'Der andere Knoten nimmt keine Knoten an, die er nicht kennt; konfigurieren Sie diesen Knoten dort fest oder schalten Sie dort „Knoten annehmen, die nicht in der Liste stehen“ ein',
    'hint.disabled-remote':
      'Der Administrator des anderen Knotens hat „Verbinden“ für diesen Knoten abgeschaltet; setzen Sie dort in der Knotenliste den Haken wieder',
    'hint.disabled-local':
      'Für diesen Knoten ist „Verbinden“ hier abgeschaltet; setzen Sie den Haken in der Knotenliste wieder, um ihn zu verbinden (der andere Knoten zeigt „Auf dem anderen Knoten ausgeschaltet“)',
    'hint.clock-skew':
      'Die Uhren der beiden Knoten weichen zu stark voneinander ab; synchronisieren Sie beide per NTP (oder erhöhen Sie MESH_MAX_CLOCK_OFFSET_MS)',
    'hint.duplicate':
      'Die beiden Knoten haben sich gleichzeitig angewählt und die andere Verbindung behalten; nichts zu tun',
    'hint.self': 'Diese Adresse ist dieser Knoten selbst; entfernen Sie sie aus der Knotenliste',
    'hint.rate-limited':
      'Von dieser Adresse kamen zu viele fehlgeschlagene Handshakes; beheben Sie deren Ursache und warten Sie eine Minute',
    'hint.protocol-error':
      'Die Gegenseite spricht diese UC-Mesh-Version nicht (oder ist kein Mesh-Knoten); prüfen Sie die Adresse und setzen Sie auf beiden verträgliche Versionen ein',
    'hint.connection-lost':
      'Die Verbindung ist abgebrochen; sie wird von selbst neu aufgebaut – prüfen Sie das Netz, wenn das öfter geschieht',
    'hint.shutdown':
      'Ein Knoten fährt herunter (der andere oder dieser); die Verbindung kommt wieder, wenn beide laufen',
    'hint.closed':
      'Die Verbindung wurde absichtlich getrennt (Knoten entfernt, „Verbinden“ abgeschaltet, Mesh-ID oder Kennwort geändert); ein Knoten mit „Verbinden“ wird erneut angewählt',
  },
};

/**
 * The page's language: a remembered choice first, else the browser's first preferred language we
 * speak (`de-AT` ⇒ `de`), else English.
 */
export function chooseLanguage(remembered, preferred) {
  if (LANGUAGES.includes(remembered)) return remembered;
  for (const tag of preferred ?? []) {
    const base = String(tag).toLowerCase().split('-')[0];
    if (LANGUAGES.includes(base)) return base;
  }
  return LANGUAGES[0];
}

/** The text of `key` in `language` with `{name}` filled from `params`; unknown keys show as such. */
export function translate(language, key, params = {}) {
  const text = MESSAGES[language]?.[key] ?? MESSAGES[LANGUAGES[0]][key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}
