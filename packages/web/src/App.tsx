import { lazy } from 'react';
import { BrowserRouter, Navigate, Route, Routes, Link } from 'react-router-dom';
import { SessionProvider } from './lib/session';
import { Layout } from './components/Layout';
import { Login } from './pages/Login';
import { CaseList } from './pages/CaseList';
import { Empty } from './components/States';

// the case list is in the main chunk (first page fast); other pages load on first visit
const Settings = lazy(() => import('./pages/Settings').then((m) => ({ default: m.Settings })));
const CasePage = lazy(() => import('./pages/case/CasePage').then((m) => ({ default: m.CasePage })));
const AlertList = lazy(() => import('./pages/AlertList').then((m) => ({ default: m.AlertList })));
const AlertPreview = lazy(() => import('./pages/AlertPreview').then((m) => ({ default: m.AlertPreview })));
const AdminLayout = lazy(() => import('./pages/admin/AdminLayout').then((m) => ({ default: m.AdminLayout })));
const Users = lazy(() => import('./pages/admin/Users').then((m) => ({ default: m.Users })));
const Organisations = lazy(() => import('./pages/admin/Organisations').then((m) => ({ default: m.Organisations })));
const Profiles = lazy(() => import('./pages/admin/Profiles').then((m) => ({ default: m.Profiles })));
const CustomFields = lazy(() => import('./pages/admin/CustomFields').then((m) => ({ default: m.CustomFields })));
const ObservableTypes = lazy(() => import('./pages/admin/ObservableTypes').then((m) => ({ default: m.ObservableTypes })));
const CaseTemplates = lazy(() => import('./pages/admin/CaseTemplates').then((m) => ({ default: m.CaseTemplates })));
const Analyzers = lazy(() => import('./pages/admin/Analyzers').then((m) => ({ default: m.Analyzers })));
const About = lazy(() => import('./pages/About').then((m) => ({ default: m.About })));
const Overview = lazy(() => import('./pages/Overview').then((m) => ({ default: m.Overview })));
const Dashboards = lazy(() => import('./dashboards/Dashboards').then((m) => ({ default: m.Dashboards })));

function NotFound() {
  return (
    <Empty title="This page does not exist.">
      Check the address, or go back to <Link to="/cases">the case list</Link>.
    </Empty>
  );
}

export function App() {
  return (
    <BrowserRouter>
      <SessionProvider login={(onLogin) => <Login onLogin={onLogin} />}>
        <Routes>
          <Route element={<Layout />}>
            <Route index element={<Navigate to="/cases" replace />} />
            <Route path="login" element={<Navigate to="/cases" replace />} />
            <Route path="settings" element={<Settings />} />
            <Route path="overview" element={<Overview />} />
            <Route path="dashboards/:id?" element={<Dashboards />} />
            <Route path="dashboards/:id/edit" element={<Dashboards edit />} />
            <Route path="cases" element={<CaseList />} />
            <Route path="cases/:caseId/:tab?" element={<CasePage />} />
            <Route path="alerts" element={<AlertList />} />
            <Route path="alerts/:alertId" element={<AlertPreview />} />
            <Route path="about" element={<About />} />
            <Route path="admin" element={<AdminLayout />}>
              <Route index element={<Navigate to="/admin/users" replace />} />
              <Route path="users" element={<Users />} />
              <Route path="organisations" element={<Organisations />} />
              <Route path="profiles" element={<Profiles />} />
              <Route path="custom-fields" element={<CustomFields />} />
              <Route path="observable-types" element={<ObservableTypes />} />
              <Route path="case-templates" element={<CaseTemplates />} />
              <Route path="analyzers" element={<Analyzers />} />
            </Route>
            <Route path="*" element={<NotFound />} />
          </Route>
        </Routes>
      </SessionProvider>
    </BrowserRouter>
  );
}
