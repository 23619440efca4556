/**
 * The app's shell: the settings, the language, the wallet choice, and the page for the connected account's role
 * (the patient portal, a hospital's, a pharmacy's, an insurer's or a research institute's console) or the public
 * pack check. The shell is
 * the first load; the SDK and each role's page come when first needed.
 */
import {
  Component,
  type ReactNode,
  Suspense,
  lazy,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useState,
} from "react";

import { type AppConfig, type LocalAccount, loadConfig } from "./config.ts";
import { describe } from "./errors.ts";
import { type Language, LanguageContext, initialLanguage, label, translator, useT } from "./i18n.tsx";
import type { Identity, Runtime } from "./session.tsx";
import { AppContext, type AppState } from "./state.ts";
import { Notice, short } from "./ui.tsx";

const PatientPage = lazy(() => import("./pages/Patient.tsx"));
const HospitalPage = lazy(() => import("./pages/Hospital.tsx"));
const PharmacyPage = lazy(() => import("./pages/Pharmacy.tsx"));
const InsurerPage = lazy(() => import("./pages/Insurer.tsx"));
const ResearcherPage = lazy(() => import("./pages/Researcher.tsx"));
const PackCheckPage = lazy(() => import("./pages/PackCheck.tsx"));

/** The page the address bar names: `#/check` is the public pack check; anything else the account's page. */
function useRoute(): string {
  const read = () => (window.location.hash.startsWith("#/check") ? "check" : "home");
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const changed = () => setRoute(read());
    window.addEventListener("hashchange", changed);
    return () => window.removeEventListener("hashchange", changed);
  }, []);
  return route;
}

/** Whether an injected EIP-1193 wallet is there (MetaMask and the like). */
function hasInjectedWallet(): boolean {
  return typeof (window as { ethereum?: unknown }).ethereum === "object";
}

export function App() {
  const [language, setLanguageState] = useState<Language>(initialLanguage);
  const t = useMemo(() => translator(language), [language]);
  const setLanguage = useCallback((l: Language) => {
    setLanguageState(l);
    try {
      localStorage.setItem("miip.language", l);
    } catch {
      // private mode: the choice lasts for the page only
    }
  }, []);
  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);

  const [config, setConfig] = useState<AppConfig | { error: unknown }>();
  useEffect(() => {
    loadConfig().then(setConfig, (error: unknown) => setConfig({ error }));
  }, []);
  const [runtime, setRuntime] = useState<Runtime | { error: unknown }>();
  const [identity, setIdentity] = useState<Identity>();
  const route = useRoute();

  /** Loads the SDK side once (the pack check needs it at once, an account when it connects). */
  const loadRuntime = useCallback(async (): Promise<Runtime> => {
    if (runtime && "reader" in runtime) return runtime;
    if (!config || "error" in config) throw new Error("no configuration");
    try {
      const loaded = await (await import("./session.tsx")).startRuntime(config);
      setRuntime(loaded);
      return loaded;
    } catch (error) {
      setRuntime({ error });
      throw error;
    }
  }, [config, runtime]);
  useEffect(() => {
    if (route === "check" && config && !("error" in config) && !runtime) void loadRuntime().catch(() => undefined);
  }, [route, config, runtime, loadRuntime]);

  const ready = runtime && "reader" in runtime ? runtime : undefined;
  const state: AppState | undefined =
    config && !("error" in config)
      ? {
          config,
          runtime: ready,
          identity,
          disconnect: () => {
            void identity?.miip.documents.forgetEncryptionKey();
            identity?.service.closeSession();
            setIdentity(undefined);
          },
        }
      : undefined;

  return (
    <LanguageContext.Provider value={{ language, t, setLanguage }}>
      <a className="skip" href="#main">
        {t("skip")}
      </a>
      <header className="top">
        <a className="brand" href="#/">
          {t("appName")}
        </a>
        <nav aria-label={t("navigation")}>
          <a href="#/check" aria-current={route === "check" ? "page" : undefined}>
            {t("publicCheck")}
          </a>
        </nav>
        <label className="language">
          <span>{t("language")}</span>
          <select value={language} onChange={(e) => setLanguage(e.target.value as Language)}>
            <option value="ko">한국어</option>
            <option value="en">English</option>
          </select>
        </label>
      </header>
      <main id="main" tabIndex={-1}>
        {config === undefined ? (
          <p role="status">{t("loading")}</p>
        ) : "error" in config ? (
          <Notice error>{t("errConfig", { detail: describe(config.error, t) })}</Notice>
        ) : runtime && "error" in runtime ? (
          <Notice error>{describe(runtime.error, t)}</Notice>
        ) : (
          <AppContext.Provider value={state}>
            <Boundary message={t("errPage")} retry={t("retry")}>
              <Suspense fallback={<p role="status">{t("loading")}</p>}>
                {route === "check" ? (
                  ready ? (
                    <PackCheckPage />
                  ) : (
                    <p role="status">{t("loading")}</p>
                  )
                ) : identity && ready ? (
                  <RolePage identity={identity} />
                ) : (
                  <Connect
                    config={config}
                    connect={async (choice) => setIdentity(await (await loadRuntime()).connect(choice))}
                  />
                )}
              </Suspense>
            </Boundary>
          </AppContext.Provider>
        )}
      </main>
    </LanguageContext.Provider>
  );
}

/**
 * A page that fails while drawing shows a sentence and a way back, never a blank screen; what failed goes to the
 * console for whoever debugs it.
 */
class Boundary extends Component<{ message: string; retry: string; children: ReactNode }, { failed: boolean }> {
  override state = { failed: false };

  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }

  override componentDidCatch(error: unknown): void {
    console.error(error);
  }

  override render(): ReactNode {
    if (!this.state.failed) return this.props.children;
    return (
      <div>
        <Notice error>{this.props.message}</Notice>
        <button type="button" onClick={() => this.setState({ failed: false })}>
          {this.props.retry}
        </button>
      </div>
    );
  }
}

/** The connected account's bar and its role's page. */
function RolePage({ identity }: { identity: Identity }) {
  const t = useT();
  const { role } = identity;
  const app = useAppShell();
  const roleName =
    role.kind === "patient"
      ? t("roles_patient")
      : role.kind === "none"
        ? t("roles_none")
        : label(t, "roles", role.type);
  return (
    <>
      <section className="account" aria-label={t("connectedAs")}>
        <span>
          {t("connectedAs")}: <code title={identity.address}>{short(identity.address)}</code> · {roleName}
          {role.kind === "institution" ? ` · ${role.name}` : role.kind === "patient" ? ` #${role.patientId}` : ""}
        </span>
        <button type="button" onClick={app.disconnect}>
          {t("disconnect")}
        </button>
      </section>
      {role.kind === "patient" ? (
        <PatientPage />
      ) : role.kind === "institution" && role.type === "hospital" ? (
        <HospitalPage />
      ) : role.kind === "institution" && role.type === "pharmacy" ? (
        <PharmacyPage />
      ) : role.kind === "institution" && role.type === "insurer" ? (
        <InsurerPage />
      ) : role.kind === "institution" && (role.type === "researcher" || role.type === "manufacturer") ? (
        <ResearcherPage />
      ) : (
        <Notice>{t(role.kind === "none" ? "notRegistered" : "noConsole")}</Notice>
      )}
    </>
  );
}

function useAppShell(): AppState {
  const state = useContext(AppContext);
  if (!state) throw new Error("outside the app");
  return state;
}

/** The wallet choices: the injected wallet, or on the local node one of its demo accounts. */
function Connect(props: {
  config: AppConfig;
  connect(choice: { kind: "injected" } | { kind: "local"; account: LocalAccount }): Promise<void>;
}) {
  const t = useT();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const attempt = async (choice: { kind: "injected" } | { kind: "local"; account: LocalAccount }) => {
    setBusy(true);
    setError(undefined);
    try {
      await props.connect(choice);
    } catch (e) {
      console.error(e);
      setError(describe(e, t));
    } finally {
      setBusy(false);
    }
  };
  const injected = hasInjectedWallet();
  return (
    <section aria-labelledby="connect-title">
      <h1 id="connect-title">{t("tagline")}</h1>
      <h2>{t("connect")}</h2>
      {error && <Notice error>{error}</Notice>}
      {busy && <p role="status">{t("working")}</p>}
      <p>
        <button type="button" disabled={!injected || busy} onClick={() => attempt({ kind: "injected" })}>
          {t("connectInjected")}
        </button>
        {!injected && <span className="hint"> {t("noInjected")}</span>}
      </p>
      {props.config.accounts && props.config.accounts.length > 0 && (
        <>
          <h2>{t("localAccounts")}</h2>
          <p className="hint">{t("localAccountsHint")}</p>
          <ul className="accounts">
            {props.config.accounts.map((account) => (
              <li key={account.address}>
                <button type="button" disabled={busy} onClick={() => attempt({ kind: "local", account })}>
                  {account.name} <code>{short(account.address)}</code>
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      <p>
        <a href="#/check">{t("publicCheck")}</a> — {t("publicCheckHint")}
      </p>
    </section>
  );
}
