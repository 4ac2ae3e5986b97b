import { Suspense, useEffect, useRef, useState } from 'react';
import { Loading } from './States';
import { Link, NavLink, Outlet, useNavigate } from 'react-router-dom';
import { useSession } from '../lib/session';

function UserMenu() {
  const { user, logout } = useSession();
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  const navigate = useNavigate();
  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent | KeyboardEvent) => {
      if (e instanceof KeyboardEvent ? e.key === 'Escape' : !ref.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', close);
    document.addEventListener('keydown', close);
    return () => {
      document.removeEventListener('mousedown', close);
      document.removeEventListener('keydown', close);
    };
  }, [open]);
  return (
    <div className="menu" ref={ref}>
      <button type="button" aria-haspopup="menu" aria-expanded={open} aria-label="User menu" onClick={() => setOpen(!open)}>
        {user.name} ▾
      </button>
      {open ? (
        <div className="menu-list" role="menu">
          <div className="menu-info">
            {user.login}
            <br />
            <small>
              {user.profile} in {user.organisation}
            </small>
          </div>
          <Link role="menuitem" to="/settings" onClick={() => setOpen(false)}>
            My settings
          </Link>
          <Link role="menuitem" to="/about" onClick={() => setOpen(false)}>
            About
          </Link>
          <button
            type="button"
            role="menuitem"
            onClick={() => {
              setOpen(false);
              void logout().then(() => navigate('/'));
            }}
          >
            Log out
          </button>
        </div>
      ) : null}
    </div>
  );
}

function OrgSwitcher() {
  const { user, organisation, switchOrganisation } = useSession();
  const orgs = user.organisations ?? [];
  if (orgs.length <= 1) {
    return (
      <span className="org-name" aria-label="Organisation">
        {organisation}
      </span>
    );
  }
  return (
    <label className="org-switch">
      <span className="sr-only">Organisation</span>
      <select aria-label="Organisation" value={organisation} onChange={(e) => switchOrganisation(e.target.value)}>
        {orgs.map((o) => (
          <option key={o.organisationId} value={o.organisation}>
            {o.organisation}
          </option>
        ))}
      </select>
    </label>
  );
}

export function Layout() {
  const { can, isPlatformAdmin } = useSession();
  const admin = isPlatformAdmin || can('manageUser') || can('manageCaseTemplate') || can('manageCustomField');
  return (
    <div className="app">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/cases" className="brand">
          <span className="logo" aria-hidden="true">
            ⬡
          </span>{' '}
          Waggle
        </Link>
        <nav aria-label="Main">
          <NavLink to="/overview">Overview</NavLink>
          <NavLink to="/dashboards">Dashboards</NavLink>
          <NavLink to="/cases">Cases</NavLink>
          <NavLink to="/alerts">Alerts</NavLink>
          {admin ? <NavLink to="/admin">Administration</NavLink> : null}
        </nav>
        <div className="spacer" />
        <OrgSwitcher />
        <UserMenu />
      </header>
      <main id="main" className="content">
        <Suspense fallback={<Loading />}>
          <Outlet />
        </Suspense>
      </main>
    </div>
  );
}
