/** The public pack check: anyone, with no account, checks a pack from its printed code. */
import { type FormEvent, useContext, useState } from "react";

import { LanguageContext, useT } from "../i18n.tsx";
import { type PackCheck, checkPack } from "../packs.ts";
import { useApp } from "../state.ts";
import { Notice, formatDate, useAction } from "../ui.tsx";
import { LazyDocumentService } from "../documents.ts";

/** The pack code a shared link carries (`#/check?code=...`); a broken escape is shown as typed, never thrown. */
function codeFromLink(hash: string): string {
  const raw = hash.split("?code=")[1] ?? "";
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

export default function PackCheckPage() {
  const t = useT();
  const app = useApp();
  const { language } = useContext(LanguageContext);
  const [code, setCode] = useState(() => codeFromLink(window.location.hash));
  const [result, setResult] = useState<PackCheck>();
  const action = useAction();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setResult(undefined);
    void action.run(async () => {
      const blobs = new LazyDocumentService(app.config.documentsUrl).blobs;
      setResult(await checkPack(app.reader, blobs, code, language));
    }, null);
  };
  return (
    <section aria-labelledby="check-title">
      <h1 id="check-title">{t("publicCheck")}</h1>
      <p>{t("publicCheckHint")}</p>
      <PackCodeForm code={code} onCode={setCode} busy={action.busy} onSubmit={submit} />
      {action.view}
      {result && <PackResult check={result} language={language} />}
    </section>
  );
}

/** The pack code as printed (or scanned), and the button that checks it. */
export function PackCodeForm(props: {
  code: string;
  onCode(code: string): void;
  busy: boolean;
  onSubmit(e: FormEvent): void;
}) {
  const t = useT();
  return (
    <form onSubmit={props.onSubmit} className="panel">
      <label>
        {t("packCode")}
        <input
          required
          value={props.code}
          onChange={(e) => props.onCode(e.target.value)}
          placeholder={t("packCodeHint")}
          autoComplete="off"
          spellCheck={false}
        />
      </label>
      <button type="submit" disabled={props.busy}>
        {t("verify")}
      </button>
    </form>
  );
}

export function PackResult({ check, language }: { check: PackCheck; language: string }) {
  const t = useT();
  const v = check.verification;
  return (
    <section className="panel result" aria-live="polite" data-testid="pack-result">
      {v.recalled ? (
        <Notice error>
          {t("recalled")}: {v.recallMessage}
        </Notice>
      ) : v.authentic && !v.dispensed && !v.expired ? (
        <Notice>{t("genuine")}</Notice>
      ) : (
        <Notice error>{v.dispensed ? t("dispensed") : t("notGenuine")}</Notice>
      )}
      {v.batchId !== 0n && (
        <dl>
          <dt>{t("product")}</dt>
          <dd>
            {v.product.name} {v.product.strength} · {v.product.form}
          </dd>
          <dt>{t("manufacturer")}</dt>
          <dd>{v.manufacturer}</dd>
          <dt>{t("lot")}</dt>
          <dd>{check.pack.lot}</dd>
          <dt>{t("serial")}</dt>
          <dd>{check.pack.serial}</dd>
          <dt>{t("expiryDate")}</dt>
          <dd>{formatDate(v.expiresAt, language)}</dd>
          {v.batchMessage && (
            <>
              <dt>ℹ</dt>
              <dd>{v.batchMessage}</dd>
            </>
          )}
          <dt>{t("leaflet")}</dt>
          <dd>
            {v.leaflet.version === 0 ? (
              t("none")
            ) : (
              <code>
                {v.leaflet.language} v{v.leaflet.version} · {v.leaflet.uri}
              </code>
            )}
          </dd>
        </dl>
      )}
    </section>
  );
}
