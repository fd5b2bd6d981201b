/**
 * @module The daemon's host key policy, read-only. Doctor must judge a host key exactly as
 * the daemon would (pinned, then known_hosts, then trust on first use or, in strict mode,
 * refusal) but must never record a key: a doctor run would otherwise decide, for the daemon,
 * which key a VM is trusted with. So the store runs strict underneath (an unknown host is
 * reported, nothing is written) and an unknown host is then let through as "would be trusted
 * on first use" unless the operator asked for strict mode.
 */
import { type HostIdentity, type HostKeyDecision, HostKeyStore } from "../ssh/host-keys.js";

export interface ReadOnlyHostKeyOptions {
  ownFile: string;
  extraFiles?: string[];
  strict: boolean;
}

export class ReadOnlyHostKeys extends HostKeyStore {
  /** The decision for each VM checked, by VM name: what the host key row reports. */
  readonly decisions = new Map<string, HostKeyDecision>();
  private readonly reallyStrict: boolean;

  constructor(options: ReadOnlyHostKeyOptions) {
    super({ ownFile: options.ownFile, extraFiles: options.extraFiles ?? [], strict: true });
    this.reallyStrict = options.strict;
  }

  override async check(vm: HostIdentity, keyBlob: Buffer): Promise<HostKeyDecision> {
    const found = await super.check(vm, keyBlob);
    const decision: HostKeyDecision =
      !found.ok && found.source === "unknown" && !this.reallyStrict
        ? { ok: true, source: "tofu", fingerprint: found.got, saved: false }
        : found;
    this.decisions.set(vm.name, decision);
    return decision;
  }
}
