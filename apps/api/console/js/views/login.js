import { login } from '../api.js';
import { clear, h } from '../ui.js';

/** The sign-in page: tenant, username and password for an access token (kept in this tab only). */
export function renderLogin(root, onSignedIn) {
  const remembered = localStorage.getItem('govmatrix.tenant') ?? '';
  const message = h('div.form-error', { role: 'alert' });
  const submit = h('button.primary', { type: 'submit', id: 'login-submit' }, '登录');
  const form = h(
    'form.login-card',
    {
      onsubmit: async (event) => {
        event.preventDefault();
        const data = new FormData(form);
        submit.disabled = true;
        clear(message);
        try {
          await login(String(data.get('tenant')).trim(), String(data.get('username')).trim(), String(data.get('password')));
          localStorage.setItem('govmatrix.tenant', String(data.get('tenant')).trim());
          await onSignedIn();
        } catch (error) {
          clear(message, error.status === 401 ? '租户、用户名或密码不正确' : (error.display ?? String(error)));
          submit.disabled = false;
        }
      },
    },
    h('h1', 'GovMatrix'),
    h('p.subtitle', '政务新媒体矩阵管理平台'),
    h(
      'label.field',
      h('span', '租户标识'),
      h('input', { name: 'tenant', required: true, value: remembered, autocomplete: 'organization', placeholder: '如 hunan-demo' }),
    ),
    h('label.field', h('span', '用户名'), h('input', { name: 'username', required: true, autocomplete: 'username' })),
    h(
      'label.field',
      h('span', '密码'),
      h('input', { name: 'password', type: 'password', required: true, autocomplete: 'current-password' }),
    ),
    message,
    submit,
  );
  clear(root, h('div.login-page', form));
  form.querySelector(remembered ? 'input[name=username]' : 'input[name=tenant]').focus();
}
