import { Empty } from '../../components/States';

export function Analyzers() {
  return <Empty title="Coming soon." />;
}
