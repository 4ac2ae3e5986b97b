import { Empty } from '../components/States';

export function AlertPreview() {
  return <Empty title="Coming soon." />;
}
