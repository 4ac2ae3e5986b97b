import { Empty } from '../../components/States';

export function Organisations() {
  return <Empty title="Coming soon." />;
}
