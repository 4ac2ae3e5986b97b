import { Empty } from '../components/States';

export function AlertList() {
  return <Empty title="Coming soon." />;
}
