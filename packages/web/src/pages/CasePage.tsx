import { Empty } from '../components/States';

export function CasePage() {
  return <Empty title="Coming soon." />;
}
