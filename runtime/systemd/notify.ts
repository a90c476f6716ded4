/**
 * The sd_notify(3) protocol without libsystemd: one datagram of `KEY=value` lines sent to the
 * AF_UNIX socket named by $NOTIFY_SOCKET (a path, or an abstract name written with a leading
 * '@'). Node has no AF_UNIX datagram sockets, so the send is libc's socket/sendto through
 * koffi; the message and address encodings are pure so they are tested on their own.
 *
 * Sending never blocks the event loop (MSG_DONTWAIT: a full queue drops the message, as
 * libsystemd does) and never throws: a daemon must not die because its supervisor's socket is
 * gone. Without $NOTIFY_SOCKET every call is a no-op (boothd run by hand, in tests, in a
 * container).
 */
import { createRequire } from 'node:module';
import { endianness } from 'node:os';

/** Fields of one notification, e.g. `{ READY: 1, STATUS: 'running' }`. Order is kept. */
export type NotifyFields = Readonly<Record<string, string | number>>;

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
/** So a child process never inherits the socket and speaks for boothd. */
const SOCK_CLOEXEC = 0o2000000;
/** A full receive queue must not stall the event loop: the message is dropped instead. */
const MSG_DONTWAIT = 0x40;
/** A vanished peer gives EPIPE, never a SIGPIPE that would kill the process. */
const MSG_NOSIGNAL = 0x4000;
/** `sizeof(((struct sockaddr_un *)0)->sun_path)` on Linux. */
export const SUN_PATH_BYTES = 108;
const SUN_PATH_AT = 2;

const KEY = /^[A-Z][A-Z0-9_]*$/;

/**
 * Encodes fields as the newline-separated `KEY=value` text systemd parses. A value cannot span
 * lines (a newline would start a forged field, e.g. a STATUS text carrying `READY=1`), so line
 * breaks and NULs in values become spaces. The text ends with a newline so a listener that
 * concatenates datagrams (socat) still sees one field per line; systemd ignores the empty line.
 */
export function encodeNotifyMessage(fields: NotifyFields): Buffer {
  const lines = Object.entries(fields).map(([key, value]) => {
    if (!KEY.test(key)) throw new RangeError(`sd_notify field name "${key}" must be upper-case letters, digits and "_"`);
    return `${key}=${String(value).replace(/[\r\n\0]+/g, ' ')}`;
  });
  if (lines.length === 0) throw new RangeError('an sd_notify message needs at least one field');
  return Buffer.from(`${lines.join('\n')}\n`, 'utf8');
}

/** Where $NOTIFY_SOCKET points, as the `struct sockaddr_un` sendto takes. */
export interface NotifyAddress {
  kind: 'path' | 'abstract';
  /** The path, or the abstract name without its '@'. */
  name: string;
  /** `struct sockaddr_un`, zero-padded to its full size. */
  sockaddr: Buffer;
  /** The address length to pass to sendto: abstract names are length-significant. */
  length: number;
}

/**
 * Parses $NOTIFY_SOCKET. An absolute path is a socket file; '@name' is the abstract socket
 * "\0name". Anything else (relative paths, systemd 253's `vsock:` addresses) is refused with a
 * reason, as is a name that does not fit `sun_path`.
 */
export function notifyAddress(value: string): NotifyAddress {
  const abstract = value.startsWith('@');
  if (!abstract && !value.startsWith('/')) {
    throw new RangeError(`NOTIFY_SOCKET "${value}" is neither an absolute path nor an abstract name (@name)`);
  }
  const name = abstract ? value.slice(1) : value;
  const bytes = Buffer.from(name, 'utf8');
  if (bytes.length === 0) throw new RangeError('NOTIFY_SOCKET names an empty socket');
  // A path needs its terminating NUL inside sun_path; an abstract name needs its leading NUL.
  if (bytes.length + 1 > SUN_PATH_BYTES) {
    throw new RangeError(`NOTIFY_SOCKET "${value}" is ${bytes.length} bytes; sun_path holds ${SUN_PATH_BYTES - 1}`);
  }
  const sockaddr = Buffer.alloc(SUN_PATH_AT + SUN_PATH_BYTES);
  // sa_family_t is in host byte order.
  if (endianness() === 'LE') sockaddr.writeUInt16LE(AF_UNIX, 0);
  else sockaddr.writeUInt16BE(AF_UNIX, 0);
  bytes.copy(sockaddr, SUN_PATH_AT + (abstract ? 1 : 0));
  return {
    kind: abstract ? 'abstract' : 'path',
    name,
    sockaddr,
    length: SUN_PATH_AT + 1 + bytes.length,
  };
}

/** Sends one datagram; throws an Error carrying the errno when the kernel refuses it. */
export interface DatagramSender {
  send(message: Buffer, address: NotifyAddress): void;
  close(): void;
}

export interface Notifier {
  /** False when $NOTIFY_SOCKET is unset or unusable: every call is then a no-op. */
  readonly enabled: boolean;
  /** Sends the fields; false when disabled or the send failed (reported through onError). */
  notify(fields: NotifyFields): boolean;
  close(): void;
}

export interface NotifierOptions {
  /** The datagram transport; libc through koffi unless a test injects one. */
  sender?: () => DatagramSender;
  /**
   * Told about a failure, once per distinct message until a send succeeds again, so a dead
   * socket does not flood the log at every watchdog tick.
   */
  onError?: (error: Error) => void;
}

/** A notifier for $NOTIFY_SOCKET in `env`; disabled (and silent) when it is unset. */
export function createNotifier(env: NodeJS.ProcessEnv, options: NotifierOptions = {}): Notifier {
  const value = env.NOTIFY_SOCKET;
  if (value === undefined || value === '') return disabledNotifier;
  let lastError: string | undefined;
  const report = (error: Error) => {
    if (error.message === lastError) return;
    lastError = error.message;
    options.onError?.(error);
  };
  let address: NotifyAddress;
  try {
    address = notifyAddress(value);
  } catch (error) {
    report(error as Error);
    return disabledNotifier;
  }
  const open = options.sender ?? libcDatagramSender;
  let sender: DatagramSender | undefined;
  let closed = false;
  return {
    enabled: true,
    notify(fields) {
      if (closed) return false;
      try {
        sender ??= open();
        sender.send(encodeNotifyMessage(fields), address);
        lastError = undefined;
        return true;
      } catch (error) {
        report(error instanceof Error ? error : new Error(String(error)));
        return false;
      }
    },
    close() {
      closed = true;
      sender?.close();
      sender = undefined;
    },
  };
}

const disabledNotifier: Notifier = {
  enabled: false,
  notify: () => false,
  close: () => undefined,
};

/** The part of koffi used here; loaded lazily so a host without it only loses notifications. */
interface Koffi {
  load(path: string): { func(definition: string): (...args: unknown[]) => unknown };
  errno(): number;
  os: { errno: Record<string, number> };
}

/**
 * One AF_UNIX datagram socket, opened on first use and kept: sendto names the destination each
 * time, so a restarted listener at the same address is reached without reopening.
 */
function libcDatagramSender(): DatagramSender {
  if (process.platform !== 'linux') throw new Error(`sd_notify over libc is implemented for Linux only, not ${process.platform}`);
  let koffi: Koffi;
  try {
    koffi = createRequire(import.meta.url)('koffi') as Koffi;
  } catch (error) {
    const firstLine = (error instanceof Error ? error.message : String(error)).split('\n', 1)[0];
    throw new Error(`the koffi FFI package could not be loaded: ${firstLine}`);
  }
  const libc = koffi.load('libc.so.6');
  const socket = libc.func('int socket(int domain, int type, int protocol)');
  const sendto = libc.func('long sendto(int fd, const void *buf, size_t len, int flags, const void *addr, uint32_t addrlen)');
  const close = libc.func('int close(int fd)');
  const errnoName = (code: number) => Object.entries(koffi.os.errno).find(([, value]) => value === code)?.[0] ?? `errno ${code}`;

  const fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0) as number;
  if (fd < 0) throw new Error(`socket(AF_UNIX, SOCK_DGRAM) failed: ${errnoName(koffi.errno())}`);
  let open = true;
  return {
    send(message, address) {
      if (!open) throw new Error('the sd_notify socket is closed');
      const sent = Number(sendto(fd, message, message.length, MSG_DONTWAIT | MSG_NOSIGNAL, address.sockaddr, address.length));
      if (sent < 0) {
        const where = address.kind === 'abstract' ? `@${address.name}` : address.name;
        throw new Error(`sd_notify to ${where} failed: ${errnoName(koffi.errno())}`);
      }
    },
    close() {
      if (!open) return;
      open = false;
      close(fd);
    },
  };
}
