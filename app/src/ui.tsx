/** Small pieces every page uses: an action with its busy, done and error states; a pager; a loader of data. */
import { type ReactNode, useCallback, useEffect, useRef, useState } from "react";

import { describe } from "./errors.ts";
import { useT } from "./i18n.tsx";

/** A message for the person: an error (role alert, read out at once) or a confirmation (role status). */
export function Notice({ error, children }: { error?: boolean; children: ReactNode }) {
  return (
    <p className={error ? "notice error" : "notice ok"} role={error ? "alert" : "status"}>
      {children}
    </p>
  );
}

/**
 * An action run from a button: `run(fn)` shows "working" while it runs, then the result's message or the error in
 * words. Returns what `fn` returned, or undefined when it failed.
 */
export function useAction() {
  const t = useT();
  const [state, setState] = useState<{ busy: boolean; error?: string; done?: string }>({ busy: false });
  const run = useCallback(
    async <T,>(fn: () => Promise<T>, done?: ((result: T) => string) | null): Promise<T | undefined> => {
      setState({ busy: true });
      try {
        const result = await fn();
        // `null`: the result shows itself (a pack check's answer), no confirmation line.
        setState({ busy: false, done: done === null ? undefined : done ? done(result) : t("done") });
        return result;
      } catch (error) {
        console.error(error);
        setState({ busy: false, error: describe(error, t) });
        return undefined;
      }
    },
    [t],
  );
  const view = state.busy ? (
    <p className="notice" role="status">
      {t("working")}
    </p>
  ) : state.error ? (
    <Notice error>{state.error}</Notice>
  ) : state.done ? (
    <Notice>{state.done}</Notice>
  ) : null;
  return { run, busy: state.busy, view, reset: () => setState({ busy: false }) };
}

/** Loads data when `deps` change; `reload()` loads again. Errors are shown in words with a retry button. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const t = useT();
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({ loading: true });
  const generation = useRef(0);
  const reload = useCallback(() => {
    const mine = ++generation.current;
    setState((s) => ({ ...s, loading: true, error: undefined }));
    load().then(
      (data) => mine === generation.current && setState({ data, loading: false }),
      (error: unknown) => {
        console.error(error);
        if (mine === generation.current) setState({ loading: false, error: describe(error, t) });
      },
    );
  }, deps);
  useEffect(reload, [reload]);
  const view = state.error ? (
    <div>
      <Notice error>{state.error}</Notice>
      <button type="button" onClick={reload}>
        {t("retry")}
      </button>
    </div>
  ) : state.loading && state.data === undefined ? (
    <p role="status">{t("loading")}</p>
  ) : null;
  return { ...state, reload, view };
}

/** Previous and next over `total` entries, `size` a page. */
export function Pager(props: { offset: number; size: number; total: number; onChange(offset: number): void }) {
  const t = useT();
  const { offset, size, total } = props;
  if (total <= size) return null;
  return (
    <nav className="pager" aria-label="pages">
      <button type="button" disabled={offset === 0} onClick={() => props.onChange(Math.max(0, offset - size))}>
        {t("previous")}
      </button>
      <span>{t("pageOf", { from: total === 0 ? 0 : offset + 1, to: Math.min(total, offset + size), total })}</span>
      <button type="button" disabled={offset + size >= total} onClick={() => props.onChange(offset + size)}>
        {t("next")}
      </button>
    </nav>
  );
}

/** A date (unix seconds) as the page's language writes it. */
export function formatDate(seconds: number | bigint, language: string, time = false): string {
  const date = new Date(Number(seconds) * 1000);
  return time
    ? date.toLocaleString(language === "ko" ? "ko-KR" : "en-GB", { dateStyle: "medium", timeStyle: "short" })
    : date.toLocaleDateString(language === "ko" ? "ko-KR" : "en-GB", { dateStyle: "medium" });
}

/** An amount of a token with 18 decimals, as "1,234.5". */
export function formatAmount(value: bigint): string {
  const whole = value / 10n ** 18n;
  const fraction = (value % 10n ** 18n).toString().padStart(18, "0").replace(/0+$/, "").slice(0, 4);
  return `${whole.toLocaleString("en-US")}${fraction ? `.${fraction}` : ""}`;
}

/** A short address: 0x1234…abcd. */
export function short(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}
