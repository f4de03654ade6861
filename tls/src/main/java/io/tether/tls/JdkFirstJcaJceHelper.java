package io.tether.tls;

import java.security.AlgorithmParameterGenerator;
import java.security.AlgorithmParameters;
import java.security.InvalidAlgorithmParameterException;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.NoSuchProviderException;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertPathValidator;
import java.security.cert.CertStore;
import java.security.cert.CertStoreParameters;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;

import javax.crypto.Cipher;
import javax.crypto.ExemptionMechanism;
import javax.crypto.KeyAgreement;
import javax.crypto.KeyGenerator;
import javax.crypto.Mac;
import javax.crypto.NoSuchPaddingException;
import javax.crypto.SecretKeyFactory;

import org.bouncycastle.jcajce.util.DefaultJcaJceHelper;
import org.bouncycastle.jcajce.util.JcaJceHelper;
import org.bouncycastle.jcajce.util.ProviderJcaJceHelper;

/**
 * Where BCJSSE's crypto comes from: the JVM's installed providers first (SunJCE's AES-GCM runs on
 * the AES-NI and carry-less-multiply intrinsics, BouncyCastle's pure-Java AES-GCM does not), and
 * the BouncyCastle provider instance for any algorithm they lack (ChaCha20-Poly1305 under BC's
 * names, for example). The BouncyCastle provider is asked, not installed: the JVM's provider list
 * stays as the application left it.
 */
final class JdkFirstJcaJceHelper implements JcaJceHelper {
    private final JcaJceHelper jdk = new DefaultJcaJceHelper();
    private final JcaJceHelper fallback;

    JdkFirstJcaJceHelper(final Provider fallback) {
        this.fallback = new ProviderJcaJceHelper(fallback);
    }

    /** A lookup of one algorithm in one helper. */
    @FunctionalInterface
    private interface Lookup<T> {
        T in(JcaJceHelper helper) throws NoSuchAlgorithmException, NoSuchProviderException;
    }

    /** @return the lookup's result from the JVM's providers, or from the fallback when they lack the algorithm. */
    private <T> T jdkFirst(final Lookup<T> lookup) throws NoSuchAlgorithmException, NoSuchProviderException {
        try {
            return lookup.in(jdk);
        } catch (final NoSuchAlgorithmException ex) {
            return lookup.in(fallback);
        }
    }

    @Override
    public Cipher createCipher(final String algorithm)
        throws NoSuchAlgorithmException, NoSuchPaddingException, NoSuchProviderException {
        try {
            return jdk.createCipher(algorithm);
        } catch (final NoSuchAlgorithmException | NoSuchPaddingException ex) {
            return fallback.createCipher(algorithm);
        }
    }

    @Override
    public Mac createMac(final String algorithm) throws NoSuchAlgorithmException, NoSuchProviderException {
        return jdkFirst(helper -> helper.createMac(algorithm));
    }

    @Override
    public KeyAgreement createKeyAgreement(final String algorithm)
        throws NoSuchAlgorithmException, NoSuchProviderException {
        return jdkFirst(helper -> helper.createKeyAgreement(algorithm));
    }

    @Override
    public AlgorithmParameterGenerator createAlgorithmParameterGenerator(final String algorithm)
        throws NoSuchAlgorithmException, NoSuchProviderException {
        return jdkFirst(helper -> helper.createAlgorithmParameterGenerator(algorithm));
    }

    @Override
    public AlgorithmParameters createAlgorithmParameters(final String algorithm)
        throws NoSuchAlgorithmException, NoSuchProviderException {
        return jdkFirst(helper -> helper.createAlgorithmParameters(algorithm));
    }

    @Override
    public KeyGenerator createKeyGenerator(final String algorithm)
        throws NoSuchAlgorithmException, NoSuchProviderException {
        return jdkFirst(helper -> helper.createKeyGenerator(algorithm));
    }

    @Override
    public KeyFactory createKeyFactory(final String algorithm) throws NoSuchAlgorithmException, NoSuchProviderException {
        return jdkFirst(helper -> helper.createKeyFactory(algorithm));
    }

    @Override
    public SecretKeyFactory createSecretKeyFactory(final String algorithm)
        throws NoSuchAlgorithmException, NoSuchProviderException {
        return jdkFirst(helper -> helper.createSecretKeyFactory(algorithm));
    }

    @Override
    public KeyPairGenerator createKeyPairGenerator(final String algorithm)
        throws NoSuchAlgorithmException, NoSuchProviderException {
        return jdkFirst(helper -> helper.createKeyPairGenerator(algorithm));
    }

    @Override
    @SuppressWarnings("deprecation")
    public MessageDigest createDigest(final String algorithm) throws NoSuchAlgorithmException, NoSuchProviderException {
        return jdkFirst(helper -> helper.createDigest(algorithm));
    }

    @Override
    public MessageDigest createMessageDigest(final String algorithm)
        throws NoSuchAlgorithmException, NoSuchProviderException {
        return jdkFirst(helper -> helper.createMessageDigest(algorithm));
    }

    @Override
    public Signature createSignature(final String algorithm) throws NoSuchAlgorithmException, NoSuchProviderException {
        return jdkFirst(helper -> helper.createSignature(algorithm));
    }

    @Override
    public CertificateFactory createCertificateFactory(final String algorithm)
        throws NoSuchProviderException, CertificateException {
        try {
            return jdk.createCertificateFactory(algorithm);
        } catch (final CertificateException ex) {
            return fallback.createCertificateFactory(algorithm);
        }
    }

    @Override
    public SecureRandom createSecureRandom(final String algorithm)
        throws NoSuchAlgorithmException, NoSuchProviderException {
        return jdkFirst(helper -> helper.createSecureRandom(algorithm));
    }

    @Override
    public CertPathBuilder createCertPathBuilder(final String algorithm)
        throws NoSuchAlgorithmException, NoSuchProviderException {
        return jdkFirst(helper -> helper.createCertPathBuilder(algorithm));
    }

    @Override
    public CertPathValidator createCertPathValidator(final String algorithm)
        throws NoSuchAlgorithmException, NoSuchProviderException {
        return jdkFirst(helper -> helper.createCertPathValidator(algorithm));
    }

    @Override
    public CertStore createCertStore(final String algorithm, final CertStoreParameters parameters)
        throws NoSuchAlgorithmException, InvalidAlgorithmParameterException, NoSuchProviderException {
        try {
            return jdk.createCertStore(algorithm, parameters);
        } catch (final NoSuchAlgorithmException ex) {
            return fallback.createCertStore(algorithm, parameters);
        }
    }

    @Override
    public ExemptionMechanism createExemptionMechanism(final String algorithm)
        throws NoSuchAlgorithmException, NoSuchProviderException {
        return jdkFirst(helper -> helper.createExemptionMechanism(algorithm));
    }

    @Override
    public KeyStore createKeyStore(final String type) throws KeyStoreException, NoSuchProviderException {
        try {
            return jdk.createKeyStore(type);
        } catch (final KeyStoreException ex) {
            return fallback.createKeyStore(type);
        }
    }
}
