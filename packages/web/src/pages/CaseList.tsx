import { Empty } from '../components/States';

export function CaseList() {
  return <Empty title="Coming soon." />;
}
