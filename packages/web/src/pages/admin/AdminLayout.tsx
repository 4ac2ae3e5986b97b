import { NavLink, Outlet } from 'react-router-dom';

const SECTIONS: Array<[string, string]> = [
  ['users', 'Users'],
  ['organisations', 'Organisations'],
  ['profiles', 'Profiles'],
  ['custom-fields', 'Custom fields'],
  ['observable-types', 'Observable types'],
  ['case-templates', 'Case templates'],
  ['analyzers', 'Analysis engines'],
];

export function AdminLayout() {
  return (
    <div className="admin">
      <nav className="side" aria-label="Administration">
        {SECTIONS.map(([path, label]) => (
          <NavLink key={path} to={`/admin/${path}`}>
            {label}
          </NavLink>
        ))}
        <NavLink to="/about">About</NavLink>
      </nav>
      <section className="admin-body">
        <Outlet />
      </section>
    </div>
  );
}
