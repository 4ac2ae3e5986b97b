/* @jsxRuntime automatic */
// (pragma: node tests load this file through tsx with the root tsconfig, which sets no JSX runtime)
/**
 * User-written markdown, rendered safely: react-markdown without raw HTML (HTML in the text is
 * dropped, never parsed), and links/images whose URL is not http(s), mailto, a relative path or
 * an anchor are removed (no `javascript:`, `data:`, `vbscript:`...).
 */
import ReactMarkdown, { type Components } from 'react-markdown';

const SAFE_URL = /^(https?:|mailto:|\/(?!\/)|#|\?|\.{0,2}\/)/i;

/** Returns the URL if it is safe to put in a link, else an empty string (the link goes inert). */
export function safeUrl(url: string): string {
  // browsers ignore control characters and whitespace inside a scheme: strip them before checking
  const compact = url.replace(/[\u0000-\u0020\u007f-\u009f]/g, '');
  if (/^(javascript|data|vbscript|file|blob):/i.test(compact)) return '';
  if (/^[a-z][a-z0-9+.-]*:/i.test(compact) && !SAFE_URL.test(compact)) return '';
  return url;
}

const components: Components = {
  a: ({ href, children }) =>
    href ? (
      <a href={href} target="_blank" rel="noopener noreferrer nofollow">
        {children}
      </a>
    ) : (
      <span>{children}</span>
    ),
  img: ({ alt }) => <span className="md-image">[image{alt ? `: ${alt}` : ''}]</span>,
};

export function Markdown({ text, className }: { text: string | undefined | null; className?: string }) {
  if (!text) return null;
  return (
    <div className={`markdown ${className ?? ''}`}>
      <ReactMarkdown skipHtml urlTransform={safeUrl} components={components}>
        {text}
      </ReactMarkdown>
    </div>
  );
}
