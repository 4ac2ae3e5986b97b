import { Empty } from '../../components/States';

export function CaseTemplates() {
  return <Empty title="Coming soon." />;
}
