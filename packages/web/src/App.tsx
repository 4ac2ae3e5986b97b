import { BrowserRouter, Navigate, Route, Routes, Link } from 'react-router-dom';
import { SessionProvider } from './lib/session';
import { Layout } from './components/Layout';
import { Login } from './pages/Login';
import { Settings } from './pages/Settings';
import { CaseList } from './pages/CaseList';
import { CasePage } from './pages/case/CasePage';
import { AlertList } from './pages/AlertList';
import { AlertPreview } from './pages/AlertPreview';
import { AdminLayout } from './pages/admin/AdminLayout';
import { Users } from './pages/admin/Users';
import { Organisations } from './pages/admin/Organisations';
import { Profiles } from './pages/admin/Profiles';
import { CustomFields } from './pages/admin/CustomFields';
import { ObservableTypes } from './pages/admin/ObservableTypes';
import { CaseTemplates } from './pages/admin/CaseTemplates';
import { Analyzers } from './pages/admin/Analyzers';
import { About } from './pages/About';
import { Overview } from './pages/Overview';
import { Empty } from './components/States';

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
