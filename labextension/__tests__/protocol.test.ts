import {
  encodeAction,
  parseKernelMessage,
  PROTOCOL_VERSION,
  versionMismatch
} from '../protocol';

describe('parseKernelMessage', () => {
  it('accepts each kind of kernel message of our version', () => {
    for (const type of ['hello', 'state', 'update', 'result', 'error']) {
      const parsed = parseKernelMessage({ type, version: PROTOCOL_VERSION, payload: { a: 1 } });
      expect(parsed).toEqual({ ok: true, message: { type, payload: { a: 1 } } });
    }
  });

  it('names both versions and what to do when the kernel speaks another one', () => {
    const parsed = parseKernelMessage({ type: 'state', version: 2, payload: {} });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.error).toContain('version 2');
      expect(parsed.error).toContain(`version ${PROTOCOL_VERSION}`);
      expect(parsed.error).toContain('pip install -U hubmagic');
    }
  });

  it('treats a message without version as another protocol', () => {
    const parsed = parseKernelMessage({ type: 'state', payload: {} });
    expect(parsed).toEqual({ ok: false, error: versionMismatch(undefined) });
    expect(versionMismatch(undefined)).toContain('no version');
  });

  it('refuses unknown types, missing payloads and non-objects with a sentence', () => {
    const unknown = parseKernelMessage({ type: 'explode', version: PROTOCOL_VERSION, payload: {} });
    expect(unknown.ok).toBe(false);
    expect(!unknown.ok && unknown.error).toContain('"explode"');
    const noPayload = parseKernelMessage({ type: 'state', version: PROTOCOL_VERSION });
    expect(!noPayload.ok && noPayload.error).toContain('no payload');
    for (const data of [null, 'state', 3, [1, 2]]) {
      expect(parseKernelMessage(data).ok).toBe(false);
    }
  });
});

describe('encodeAction', () => {
  it('puts the version on every action and copies the payload', () => {
    const payload = { cells: ['abc'] };
    const wire = encodeAction({ type: 'exclude', payload });
    expect(wire).toEqual({ type: 'exclude', version: PROTOCOL_VERSION, payload: { cells: ['abc'] } });
    expect(wire.payload).not.toBe(payload);
  });
});
