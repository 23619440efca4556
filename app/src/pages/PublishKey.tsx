/** The account's encryption key on the document service: a notice and a button to publish it when it is not. */
import { ensureSession } from "../session.tsx";
import { useApp } from "../state.ts";
import { type MessageKey, useT } from "../i18n.tsx";
import { useAction, useLoad } from "../ui.tsx";

/**
 * Whether the connected account's encryption key is on the document service (where others find it to encrypt for
 * it: a hospital for its patient, a patient for a research institute); a button to publish it if not.
 */
export function PublishKey({ hint = "publishKeyHint" }: { hint?: MessageKey }) {
  const t = useT();
  const identity = useApp().identity!;
  const published = useLoad(() => identity.service.publicKeyOf(identity.address), [identity.address]);
  const action = useAction();
  if (published.loading || published.data) return null;
  return (
    <div className="panel">
      <p>{t(hint)}</p>
      <button
        type="button"
        disabled={action.busy}
        onClick={() =>
          action
            .run(
              () => ensureSession(identity),
              () => t("keyPublished"),
            )
            .then(published.reload)
        }
      >
        {t("publishKey")}
      </button>
      {action.view}
    </div>
  );
}
