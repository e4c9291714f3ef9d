import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { App } from '../../src/ui/App';

describe('App', () => {
  it('renders the gmemscope heading', () => {
    render(<App />);
    expect(screen.getByRole('heading', { level: 1, name: 'gmemscope' })).toBeInTheDocument();
  });
});
